"""Decoding speed of `picogpt.sampler.generate` against the memory limit and Hugging Face GPT-2 `generate()`.

    python benchmarks/sample_bench.py             # as the Benchmarks page (nbs/15_benchmarks.ipynb) quotes it: one thread
    python benchmarks/sample_bench.py --help      # model shape, token counts, device, threads
    python benchmarks/sample_bench.py --device cuda   # on a GPU, with bfloat16 weights compiled too

On a GPU the benchmark prints no ceiling: a model this small decodes as fast as the GPU's kernels can be
launched, one after another, long before the reading of its weights could limit it.

Every run decodes with `generate`, its step made by `picogpt.fast.decoding_step` as the commands make it. On a
CPU `compile=True` exports the step and compiles it ahead of time (`exported_step`); the benchmark also times the
step compiled by `torch.compile` (`compile_decoder`, what `compile=True` uses on a GPU), on the CPU.

On a CPU the benchmark ends with the default path, what `decoding_step(model)` gives a user who asks for nothing:
timed in a second process (`--default_path`), which finds the compiled step that this one built in the cache (a
fresh folder, `PICOGPT_CACHE`, for each run), side by side with `transformers` doing the same work.

Random weights, batch 1, greedy decoding. Each timing is the median of `--repeats` runs after a warm-up run; the
runs that are compared take turns, so that a slow spell of the machine slows them alike.

At batch 1 every new token reads every weight once, and does two floating-point operations per weight read:
far too few to keep a CPU core's arithmetic busy, so the speed limit is how fast the weights stream in from
memory. The ceiling printed here is the rate at which this process reads a buffer as large as the weights
(its best of repeated sums, on the same number of threads) divided by the bytes of weights each token reads:
every matrix, bias and norm, and one row of each embedding table. (The KV cache is read too, a few more
bytes per token as the context grows; the ceiling leaves it out.) Weights in int8 (`quantize_int8`) are a
quarter of the bytes, so their own ceiling is about four times higher; the benchmark prints both.
"""
import copy, os, subprocess, sys, tempfile, time
import torch
from fastcore.script import call_parse
from timing import interleaved, median, timings
import picogpt.fast
from picogpt.cpu import ThreadPicker
from picogpt.fast import Int8Linear, compile_decoder, decoding_step, quantize_int8
from picogpt.model import GPT, GPTConfig
from picogpt.sampler import generate

def hf_gpt2(cfg:GPTConfig, n_positions:int, device):
    "A random-weight transformers GPT-2 with the same shape as `cfg`, dropout off, in eval mode"
    from transformers import GPT2Config, GPT2LMHeadModel
    hcfg = GPT2Config(n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd, vocab_size=cfg.vocab_size,
                      n_positions=n_positions, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                      bos_token_id=None, eos_token_id=None)  # GPT-2's 50256 lies outside this vocabulary
    return GPT2LMHeadModel(hcfg).to(device).eval()

def hf_generate(model, idx, n:int):
    "Greedy HF generation of exactly `n` new tokens with its KV cache on"
    with torch.inference_mode():
        return model.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=n, min_new_tokens=n,
                              do_sample=False, use_cache=True, pad_token_id=0)

def with_torch_compile(fn):
    "`fn` with `compile=True` compiling the step by `torch.compile` on a CPU too, instead of exporting it"
    def run():
        exported, picogpt.fast.exported_step = picogpt.fast.exported_step, lambda model, batch_size: compile_decoder(model)
        try: return fn()
        finally: picogpt.fast.exported_step = exported
    return run

def line(name, n, secs, ceiling=None):
    print(f"{name:<48} {n} tokens in {secs:6.2f} s = {n/secs:8.1f} tokens/s" + (f" = {n / secs / ceiling:.2f} of the ceiling" if ceiling else ''))

def prefill_ms(model, idx, repeats:int=7) -> float:
    "Milliseconds of one prefill of `idx` into fresh caches (what each jump of the window costs): the median of `repeats`"
    with torch.inference_mode(): return 1e3 * median(timings(lambda: model(idx, caches=model.new_caches(), last=True), repeats, 1, idx.device))

def weight_bytes(model) -> int:
    "Bytes of weights one decoding step reads: every matrix, bias and norm, and one row of each embedding table"
    total = 0
    for m in model.modules():
        if isinstance(m, torch.nn.Embedding): total += m.weight[0].numel() * m.weight.element_size()
        else: total += sum(t.numel() * t.element_size() for t in [*m.parameters(recurse=False), *m.buffers(recurse=False)])
    return total

def matmuls_only(model, repeats:int=50) -> float:
    "Seconds per token of one decoding step's matrix-vector products alone, back to back: no other operation"
    mats = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]  # lm_head shares wte's matrix
    x = {n: torch.randn(1, n) for n in {w.shape[1] for w in mats}}
    step = lambda: [torch.nn.functional.linear(x[w.shape[1]], w) for w in mats]
    with torch.inference_mode(): return median(timings(step, repeats, 5)) if mats else 0.0

class ModelCallTimer(ThreadPicker):
    "A fixed thread count that also adds up the seconds of the model calls it makes: prefills (several tokens) and steps (one)"
    def __init__(self, threads:int):
        super().__init__(threads)
        self.seconds, self.calls = {'prefill': 0.0, 'step': 0.0}, {'prefill': 0, 'step': 0}

    def __call__(self, fn, idx, *args, **kwargs):
        t0 = time.perf_counter()
        out = super().__call__(fn, idx, *args, **kwargs)
        kind = 'prefill' if idx.size(1) > 1 else 'step'
        self.seconds[kind] += time.perf_counter() - t0
        self.calls[kind] += 1
        return out

def read_bandwidth(nbytes:int, seconds:float=1.0) -> float:
    "Bytes per second at which this process reads a buffer of `nbytes`: the best of repeated sums"
    buf = torch.ones(nbytes // 4)
    buf.sum()
    best, start = 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        buf.sum()
        best = max(best, nbytes / (time.perf_counter() - t0))
    return best

def time_default_path(model, idx, hf, n:int, short:int, ceiling:float, repeats:int, threads:int):
    "Print the line of the default path, `decoding_step(model)`: its speed, against `transformers` on the same work, and the ceiling"
    t0 = time.perf_counter()
    step = decoding_step(model, idx.size(0), threads=threads)
    t_step, compiled = time.perf_counter() - t0, step.cache_capacity > 0
    t = interleaved({'long': lambda: generate(model, idx, n, temperature=0, step=step),
                     'short': lambda: generate(model, idx, short, temperature=0, step=step),
                     'hf': lambda: hf_generate(hf, idx, short)}, repeats)
    print(f"default path: {n / t['long']:.1f} tok/s, {t['hf'] / t['short']:.2f} x transformers ({short} new tokens, the same work), "
          f"{n / t['long'] / ceiling:.2f} of the ceiling; in a second process, its step {'compiled, loaded from the cache' if compiled else 'eager'} "
          f"in {t_step * 1e3:.0f} ms")

@call_parse
def main(
    max_new_tokens:int=500,  # new tokens per run
    prompt_len:int=8,        # tokens in the (random) prompt
    n_layer:int=6,           # transformer blocks
    n_head:int=6,            # attention heads
    n_embd:int=384,          # embedding width
    block_size:int=256,      # picogpt's context window
    vocab_size:int=8000,     # the seed's default BPE vocabulary size
    repeats:int=3,           # timed runs per measurement (the median counts); full recompute runs once
    device:str='cpu',        # cpu, cuda or mps
    threads:int=1,           # CPU threads (0: PyTorch's default)
    seed:int=0,              # seeds the weights and the prompt
    default_path:bool=False, # only time the default path (what the CPU run does in a second process)
):
    "Benchmark cached vs recomputed decoding, and picogpt vs transformers"
    if threads: torch.set_num_threads(threads)
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
    model = GPT(cfg).to(device).eval()
    idx = torch.randint(0, vocab_size, (1, prompt_len), device=device)
    n, short = max_new_tokens, block_size - prompt_len
    n_threads = torch.get_num_threads()
    if default_path:
        nbytes = weight_bytes(model)
        return time_default_path(model, idx, hf_gpt2(cfg, block_size, device), n, short, read_bandwidth(nbytes) / nbytes, repeats, n_threads)
    if device == 'cpu': os.environ['PICOGPT_CACHE'] = tempfile.mkdtemp()  # the compiled steps built here, for the second process
    where = f"{device}, {n_threads} thread{'s' * (n_threads > 1)}" if device == 'cpu' else device
    print(f"model: {n_layer} layers, {n_head} heads, n_embd {n_embd}, block_size {block_size}, vocab {vocab_size}, "
          f"random weights; {where}; batch 1, prompt {prompt_len} tokens, greedy")

    def run(k, cache, m=model, compile=False):
        "Greedy decoding of `k` tokens by `m`, with or without the cache, its step compiled or not"
        return generate(m, idx, k, temperature=0, use_cache=cache, step=decoding_step(m, idx.size(0), compile, n_threads))
    nbytes = weight_bytes(model)
    ceiling = read_bandwidth(nbytes) / nbytes if device == 'cpu' else None
    if ceiling: print(f"memory-bound ceiling: {nbytes / 1e6:.1f} MB of float32 weights per token at "
                      f"{ceiling * nbytes / 1e9:.1f} GB/s = {ceiling:.1f} tokens/s")
    greedy = run(n, True)  # the tokens the other float32 and bfloat16 runs are compared with
    t0 = time.perf_counter()
    compiled = run(n, True, compile=True)  # the first compiled run compiles
    t_compile = time.perf_counter() - t0
    if device == 'cpu':
        t0 = time.perf_counter()
        jit = with_torch_compile(lambda: run(n, True, compile=True))()
        t_jit = time.perf_counter() - t0

    # HF's context can't slide: it needs n_positions >= prompt + new tokens, so over 500 new tokens it attends to
    # up to 508 positions while picogpt's window stays <= 256. The second comparison keeps both within 256
    # positions, where they do the same work token for token.
    hf_long, hf_short = hf_gpt2(cfg, prompt_len + n, device), hf_gpt2(cfg, block_size, device)
    long = {'cache': lambda: run(n, True), 'compiled': lambda: run(n, True, compile=True),
            'hf': lambda: hf_generate(hf_long, idx, n)}
    bf16 = copy.deepcopy(model).to(torch.bfloat16)  # half the bytes per token (float32 logits, as `iter_tokens` samples them)
    long['bf16'] = lambda: run(n, True, bf16)
    if device != 'cpu': long['bf16 compiled'] = lambda: run(n, True, bf16, compile=True)  # a CPU's is slower than float32's (Fast decoding)
    if device == 'cpu':
        q8 = quantize_int8(copy.deepcopy(bf16))  # a copy of the bfloat16 model, its matrices int8
        long |= {'int8': lambda: run(n, True, q8), 'int8 compiled': lambda: run(n, True, q8, compile=True),
                 'torch.compile': with_torch_compile(lambda: run(n, True, compile=True))}
    t = interleaved(long, repeats, device=device)
    t_cache, t_comp, t_hf = t['cache'], t['compiled'], t['hf']
    ts = interleaved({'cache': lambda: run(short, True), 'compiled': lambda: run(short, True, compile=True),
                     'hf': lambda: hf_generate(hf_short, idx, short)}, repeats, device=device)
    t_full = median(timings(lambda: run(n, False), 1, 0, device))  # slow, and the cached runs warmed everything up

    line("picogpt, KV cache:", n, t_cache, ceiling)
    line("picogpt, KV cache, compiled step:", n, t_comp, ceiling)
    if 'torch.compile' in t: line("picogpt, KV cache, step by torch.compile:", n, t['torch.compile'], ceiling)
    line("picogpt, full recompute of the window:", n, t_full)
    line(f"transformers GPT-2 generate (n_positions {prompt_len + n}):", n, t_hf)
    line("picogpt, KV cache, no sliding:", short, ts['cache'])
    line("picogpt, KV cache, compiled step, no sliding:", short, ts['compiled'])
    line(f"transformers GPT-2 generate (n_positions {block_size}):", short, ts['hf'])
    line("picogpt, KV cache, bfloat16 weights:", n, t['bf16'], ceiling)
    if 'bf16 compiled' in t: line("picogpt, KV cache, bfloat16, compiled step:", n, t['bf16 compiled'])
    same = torch.equal(greedy, run(n, True, bf16))
    compiled_ratio = f", {t_comp / t['bf16 compiled']:.2f}x compiled" if 'bf16 compiled' in t else ''
    print(f"bfloat16 vs float32 weights: {t_cache / t['bf16']:.2f}x the speed{compiled_ratio}; greedy tokens {'the same' if same else 'differ'} "
          f"(random weights; Fast decoding compares a trained model's)")
    if device == 'cpu':
        t_q8, t_q8c = t['int8'], t['int8 compiled']
        line("picogpt, KV cache, int8 weights:", n, t_q8, ceiling)
        line("picogpt, KV cache, int8 weights, compiled step:", n, t_q8c, ceiling)
        agree = int((greedy == run(n, True, q8))[0, prompt_len:].cumprod(0).sum())
        q8_bytes = weight_bytes(q8)
        own = ceiling * nbytes / q8_bytes
        print(f"int8 vs float32 weights: {t_cache / t_q8:.2f}x the speed, {t_comp / t_q8c:.2f}x compiled; greedy tokens agree "
              f"for the first {agree} of {n}; {q8_bytes / 1e6:.1f} MB per token, whose own ceiling is {own:.1f} tokens/s: "
              f"{n / t_q8 / own:.2f} of it, {n / t_q8c / own:.2f} compiled")
        window = torch.randint(0, vocab_size, (1, block_size // 2 + 1), device=device)
        kernel_only = copy.deepcopy(q8)
        for m in kernel_only.modules():
            if isinstance(m, Int8Linear): m.kernel_rows = window.size(1)  # every row through the int8 kernel
        print(f"a prefill of {window.size(1)} tokens (each jump of the window): {prefill_ms(model, window):.1f} ms in float32, "
              f"{prefill_ms(q8, window):.1f} ms with int8 weights ({prefill_ms(kernel_only, window):.1f} ms if the int8 kernel "
              f"multiplied every row)")
    if ceiling:
        t_mm = matmuls_only(model)
        print(f"picogpt's float32 decoding reaches {n / t_cache / ceiling:.2f} of the memory-bound ceiling "
              f"({n / t_comp / ceiling:.2f} compiled, {n / t['torch.compile'] / ceiling:.2f} by torch.compile); a step takes {t_cache / n * 1e3:.2f} ms ({t_comp / n * 1e3:.2f} ms compiled), "
              f"of which its matrix-vector products alone take {t_mm * 1e3:.2f} ms")
        timer = ModelCallTimer(n_threads)
        t0 = time.perf_counter()
        generate(model, idx, n, temperature=0, step=decoding_step(model, idx.size(0), compile=True, threads=timer))
        t_all, t_pre, t_step = time.perf_counter() - t0, timer.seconds['prefill'], timer.seconds['step']
        ms = lambda secs: f"{secs / n * 1e3:.2f} ms"
        print(f"where a compiled run's {ms(t_all)} per token go (one more run, timed call by call): {ms(t_step)} in the "
              f"{timer.calls['step']} one-token steps (matrix-vector products {t_mm * 1e3:.2f} ms, the rest attention, norms and the call "
              f"into the compiled graph), {ms(t_pre)} in {timer.calls['prefill']} prefill{'s' * (timer.calls['prefill'] != 1)} of the window (the prompt, then each jump), "
              f"{ms(t_all - t_step - t_pre)} in the sampling loop around them")
    print(f"compiled vs uncompiled step: {t_cache / t_comp:.2f}x, after a first run of {t_compile:.1f} s that compiles "
          f"(greedy tokens {'the same' if torch.equal(compiled, greedy) else 'differ'})")
    if device == 'cpu':
        print(f"compiled ahead of time vs by torch.compile: {t['torch.compile'] / t_comp:.2f}x; torch.compile's first run took {t_jit:.1f} s "
              f"(greedy tokens {'the same' if torch.equal(jit, greedy) else 'differ'})")
    print(f"cache vs recompute: {t_full / t_cache:.1f}x")
    print(f"picogpt vs transformers, {n} new tokens (picogpt's window slides at {block_size}, "
          f"HF attends to all {prompt_len + n} positions): {t_hf / t_cache:.2f}x, compiled {t_hf / t_comp:.2f}x")
    print(f"picogpt vs transformers, {short} new tokens (both within {block_size} positions, same work): "
          f"{ts['hf'] / ts['cache']:.2f}x, compiled {ts['hf'] / ts['compiled']:.2f}x")
    if device == 'cpu':  # the same model in a second process, where the cache is warm
        flags = dict(max_new_tokens=n, prompt_len=prompt_len, n_layer=n_layer, n_head=n_head, n_embd=n_embd,
                     block_size=block_size, vocab_size=vocab_size, repeats=repeats, threads=threads, seed=seed)
        argv = [sys.executable, __file__, '--default_path', *(w for k, v in flags.items() for w in (f'--{k}', str(v)))]
        print(subprocess.run(argv, capture_output=True, text=True, check=True).stdout, end='')
