"""What CUDA graphs would give picogpt's decoding on a GPU: an experiment beside `sample_bench.py`, not a picogpt feature.

At batch 1 a small model's step waits on the CPU, which launches its kernels one at a time (nbs/15_benchmarks.ipynb). A CUDA
graph records a step's launches once and replays them all with one. `torch.compile(mode='reduce-overhead')`
records such graphs, one per cache length (the only shape in the step that changes), as long as the buffers
the step writes stay at the same addresses from one call to the next. picogpt's `generate` gives every call
fresh caches, so here the model keeps one set (every prefill writes into it), and each step marks its buffers
static before it runs. Greedy decoding of the same random 6-layer model as `sample_bench.py`, three ways:
eager, compiled as `compile=True` compiles it, and compiled into CUDA graphs.

    python benchmarks/cuda_graphs_bench.py    # needs a CUDA GPU
"""
import time
import torch
import torch._inductor.config as inductor_config
from fastcore.script import call_parse
import picogpt.fast
from picogpt.fast import compile_decoder, decoding_step
from picogpt.model import GPT, GPTConfig
from picogpt.sampler import generate
from timing import median, sync, timings

def keep_caches(model):
    "Make `model.new_caches` hand out one set of caches, emptied, so that their buffers never move"
    caches = model.new_caches(model.config.block_size + 1)
    def new_caches(capacity=0):
        for c in caches: c.n = 0
        return caches
    model.new_caches = new_caches

class GraphedStep:
    "The one-token step compiled into CUDA graphs, one per cache length"
    def __init__(self, model):
        self.step = torch.compile(model, dynamic=True, mode='reduce-overhead')
    def __call__(self, idx, caches, last=False):
        for c in caches:  # the graphs write into these buffers in place
            torch._dynamo.mark_static_address(c.k)
            torch._dynamo.mark_static_address(c.v)
        torch.compiler.cudagraph_mark_step_begin()  # the last step's outputs are no longer needed
        return self.step(idx, caches=caches, last=last)

@call_parse
def main(
    device:str='cuda',  # a CUDA GPU (on a CPU, 'reduce-overhead' compiles without graphs)
    repeats:int=5,      # timed runs of each (the median counts), after a first run and two untimed ones
):
    "Greedy decoding eager, compiled, and compiled into CUDA graphs: tokens/s and the same tokens"
    inductor_config.triton.cudagraph_dynamic_shape_warn_limit = None  # a graph per cache length is the plan here
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=8000, block_size=256, n_layer=6, n_head=6, n_embd=384)).to(device).eval()
    idx = torch.randint(0, 8000, (1, 8), device=device)
    keep_caches(model)
    print(f"model: 6 layers, 6 heads, n_embd 384, block_size 256, vocab 8000, random weights; {device}; batch 1, prompt 8 tokens, greedy")
    for n in (248, 500):  # within the window, and sliding through it
        greedy = generate(model, idx, n, temperature=0)
        for name, make in (('eager', None), ('compiled', compile_decoder), ('CUDA graphs', GraphedStep)):
            if make: picogpt.fast.compile_decoder = make  # what `decoding_step(..., compile=True)` calls on a GPU
            run = lambda: generate(model, idx, n, temperature=0, step=decoding_step(model, compile=make is not None))
            t0 = time.perf_counter()
            out = run()
            sync(device)
            first = time.perf_counter() - t0
            secs = timings(run, repeats, 2, device)
            out = run()  # replayed, as the timed runs were
            print(f"{n} new tokens, {name:12} {n / median(secs):8.1f} tokens/s, first run {first:5.1f} s, "
                  f"greedy tokens {'the same as eager' if torch.equal(out, greedy) else 'differ from eager'}", flush=True)
