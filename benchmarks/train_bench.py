"""Training throughput and model-FLOPs utilisation (MFU) of picogpt's real training step.

MFU = achieved model FLOP/s / peak FLOP/s. The model FLOPs per token are `GPT.flops_per_token()`
(6N + 12*L*H*Q*T, forward and backward); the peak is measured on this machine by timing a large matmul
in the same dtype (best of several trials). Each step is `picogpt.train.train_step` (forward, backward,
clipping, AdamW) on random token batches, so data loading is not measured; the step time is the median over
the timed steps, after warm-up steps.

    python benchmarks/train_bench.py                                  # CPU, float32
    python benchmarks/train_bench.py --device cuda --dtype bfloat16 --compile
    python benchmarks/train_bench.py --nanogpt ../nanoGPT/model.py    # and side by side with nanoGPT

With `--nanogpt`, the file of nanoGPT's model definition, both models train nanoGPT's CPU "baby" config
(4 layers, 4 heads, 128 wide, block 64, batch 12, dropout 0, lr 1e-3 to 1e-4 over 2000 steps with 100 of
warmup, AdamW betas (0.9, 0.99), weight decay 0.1, clipping at 1) on the characters of `--text`, each with its
own training step as its own code writes it: picogpt's `train_step`, and nanoGPT's forward, backward,
clipping, AdamW from its `configure_optimizers`. picogpt trains twice, in float32 like nanoGPT and in
bfloat16 autocast (`--dtype bfloat16`, which CPUs with bfloat16 matrix units run faster). All three see the
same batches at the same learning rates, their steps interleaved (each going first in turn), and are then
scored on the same validation tokens, in float32: the last 10% of the text, in whole windows.

On CUDA, `--nanogpt` compares GPT-2 small instead (12 layers, 768 wide, block 1024, vocabulary 50304, no
biases, dropout 0, batch 12: nanoGPT's `train.py` defaults), both models on the same random batches, their
steps interleaved, in `--dtype` and compiled with `--compile`. Both MFUs use the FLOPs count of nanoGPT's
`estimate_mfu` and the peak measured here, not the A100's 312 TFLOP/s that `estimate_mfu` divides by.

    python benchmarks/train_bench.py --device cuda --dtype bfloat16 --compile --nanogpt ../nanoGPT/model.py
"""
import contextlib, importlib.util, io, itertools, time
from pathlib import Path
import numpy as np
import torch
from fastcore.script import call_parse
from timing import in_turn, interleaved, median, sync, timings
from picogpt.attention import CausalSelfAttention
from picogpt.cpu import float32_attention
from picogpt.data import get_batch
from picogpt.model import GPT, GPTConfig
from picogpt.train import DTYPES, autocast_context, configure_optimizer, get_lr, pick_device, train_step

GPT2_SMALL = dict(n_layer=12, n_head=12, n_embd=768, block_size=1024, vocab_size=50304, dropout=0.0, bias=False)  # nanoGPT's train.py defaults
MODELS = [  # name, GPTConfig fields, batch size
    ('4 layers, 128 wide, block 64', dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65), 12),
    ('6 layers, 384 wide, block 256', dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=65), 12),
]
GPU_MODELS = MODELS + [('GPT-2 small (12 layers, 768 wide)', GPT2_SMALL, 12)]  # a CPU would take minutes a step


def matmul_peak(device, dtype, n=2048, seconds=1.0) -> float:
    "FLOP/s of an n x n by n x n matmul in `dtype`, best of repeated trials: the machine's practical peak"
    a, b = (torch.randn(n, n, device=device, dtype=DTYPES[dtype]) for _ in range(2))
    for _ in range(3): a @ b
    sync(device)
    best, start = 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        for _ in range(3): a @ b
        sync(device)
        best = max(best, 3 * 2 * n ** 3 / (time.perf_counter() - t0))
    return best


def as_trained(model, device, dtype:str):
    "`model` with attention computed in float32 when it trains in bfloat16 on a CPU, as the training command does (`CpuSpeed`)"
    if device.type == 'cpu' and dtype == 'bfloat16':
        for m in model.modules():
            if isinstance(m, CausalSelfAttention): m.attend = float32_attention
    return model


def bench(cfg:dict, batch_size:int, device, dtype:str, compile:bool, steps:int, warmup:int) -> dict:
    "Tokens per second and model FLOP/s of the training step for one model"
    torch.manual_seed(0)
    model = as_trained(GPT(GPTConfig(**cfg)).to(device), device, dtype)
    optimizer = configure_optimizer(model, device_type=device.type)
    net = torch.compile(model) if compile else model
    scaler = torch.amp.GradScaler('cuda') if dtype == 'float16' else None
    ctx = autocast_context(device, dtype)
    x = torch.randint(cfg['vocab_size'], (batch_size, cfg['block_size']), device=device)
    y = torch.roll(x, -1, dims=1)
    step = lambda: train_step(net, optimizer, lambda: (x, y), grad_accum=1, grad_clip=1.0, ctx=ctx, scaler=scaler)
    dt = median(timings(step, steps, warmup, device))  # robust to the odd step slowed by other processes
    tokens_per_s = batch_size * cfg['block_size'] / dt
    return dict(params=model.num_params(), ms_per_step=dt * 1000, tokens_per_s=tokens_per_s,
                flops_per_s=tokens_per_s * model.flops_per_token())


BABY = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, dropout=0.0, bias=False)  # nanoGPT's train.py default, which its CPU command keeps


def char_splits(path:str) -> tuple:
    "The characters of `path` as ids: the first 90% to train on, the last 10% to score, and the vocabulary size"
    text = open(path, encoding='utf-8').read()
    stoi = {ch: i for i, ch in enumerate(sorted(set(text)))}
    ids = np.array([stoi[ch] for ch in text], dtype=np.int64)
    n = int(0.9 * len(ids))
    return ids[:n], ids[n:], len(stoi)


@torch.no_grad()
def val_loss(model, val:np.ndarray, block_size:int, batch_size:int=64) -> float:
    "Mean next-character loss over the validation tokens, in consecutive whole windows"
    model.eval()
    n = (len(val) - 1) // block_size
    x = torch.from_numpy(val[:n * block_size]).view(n, block_size)
    y = torch.from_numpy(val[1:n * block_size + 1]).view(n, block_size)
    total = sum(model(x[i:i + batch_size], y[i:i + batch_size])[1].item() * len(x[i:i + batch_size]) for i in range(0, n, batch_size))
    model.train()
    return total / n


def nanogpt_model(path:str, cfg:dict, lr:float, betas:tuple=(0.9, 0.99), device=torch.device('cpu')):
    "nanoGPT's GPT with the fields `cfg` on `device`, and its optimizer, from the file of its model definition"
    spec = importlib.util.spec_from_file_location('nanogpt_model', path)
    ng = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ng)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its parameter counts
        model = ng.GPT(ng.GPTConfig(**cfg)).to(device)
        return model, model.configure_optimizers(0.1, lr, betas, device.type)


def nanogpt_step(net, model, optimizer, ctx=contextlib.nullcontext()):
    "nanoGPT's training step as its train.py writes it, with one micro-batch: forward (`net`, perhaps compiled), backward, clipping, AdamW"
    def step(x, y):
        with ctx: _, loss = net(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return step


def side_by_side(path:str, text:str, steps:int, lr:float=1e-3, batch_size:int=12):
    "Train nanoGPT and picogpt (float32, and bfloat16 autocast) on the same batches, steps interleaved; print speeds and validation losses"
    train, val, vocab_size = char_splits(text)
    torch.manual_seed(0)
    ng_model, ng_opt = nanogpt_model(path, BABY | dict(vocab_size=vocab_size), lr)
    runs = {'nanoGPT': (ng_model, ng_opt, nanogpt_step(ng_model, ng_model, ng_opt))}
    for dtype in ('float32', 'bfloat16'):
        torch.manual_seed(0)
        model = as_trained(GPT(GPTConfig(vocab_size=vocab_size, **BABY)), torch.device('cpu'), dtype)
        opt = configure_optimizer(model, lr, 0.1, betas=(0.9, 0.99))
        step = lambda x, y, m=model, o=opt, c=autocast_context(torch.device('cpu'), dtype): train_step(m, o, lambda: (x, y), grad_clip=1.0, ctx=c)
        runs[f'picogpt {dtype}'] = (model, opt, step)
    names = list(runs)
    times, gen = {name: [] for name in runs}, torch.Generator().manual_seed(1337)
    for it in range(steps):
        x, y = get_batch(train, BABY['block_size'], batch_size, 'cpu', gen)
        for _, opt, _ in runs.values():
            for group in opt.param_groups: group['lr'] = get_lr(it, lr, lr / 10, 100, steps)
        for name in in_turn(names, it):
            t0 = time.perf_counter()
            runs[name][2](x, y)
            times[name].append(time.perf_counter() - t0)
    tokens = steps * batch_size * BABY['block_size']
    print(f"\nside by side: nanoGPT's CPU baby config, {steps} steps each, interleaved, {torch.get_num_threads()} threads, "
          f"{len(train):,} training and {len(val):,} validation characters of {text}")
    print(f"{'':18} {'median ms/step':>15} {'tokens/s':>10} {'val loss':>9} {'tokens/s over nanoGPT':>22}")
    for name, (model, _, _) in runs.items():
        print(f"{name:18} {median(times[name]) * 1000:>15.2f} {tokens / sum(times[name]):>10,.0f} "
              f"{val_loss(model, val, BABY['block_size']):>9.4f} {sum(times['nanoGPT']) / sum(times[name]):>21.3f}x")


def gpt2_side_by_side(path:str, device, dtype:str, compile:bool, peak:float, steps:int=30, warmup:int=5,
                      batch_size:int=12, cfg:dict=GPT2_SMALL):
    "Train nanoGPT's and picogpt's GPT-2 small on the same random batches, steps interleaved; print ms/step, tokens/s and MFU"
    ctx = autocast_context(device, dtype)
    torch.manual_seed(0)
    ng_model, ng_opt = nanogpt_model(path, cfg, 6e-4, (0.9, 0.95), device)
    ng_step = nanogpt_step(torch.compile(ng_model) if compile else ng_model, ng_model, ng_opt, ctx)
    torch.manual_seed(0)
    model = GPT(GPTConfig(**cfg)).to(device)
    opt = configure_optimizer(model, 6e-4, 0.1, betas=(0.9, 0.95), device_type=device.type)
    net = torch.compile(model) if compile else model
    runs = {'nanoGPT': ng_step, 'picogpt': lambda x, y: train_step(net, opt, lambda: (x, y), grad_clip=1.0, ctx=ctx)}
    gen = torch.Generator(device=device).manual_seed(1337)
    draw = lambda: torch.randint(cfg['vocab_size'], (batch_size, cfg['block_size']), device=device, generator=gen)
    batches = [(draw(), draw()) for _ in range(4)]
    # each model walks the same batches in the same order: its n-th call gets the n-th batch
    secs = interleaved({name: lambda s=step, b=itertools.cycle(batches): s(*next(b)) for name, step in runs.items()},
                       steps, warmup, device)
    flops = model.flops_per_token()  # nanoGPT's estimate_mfu counts the same 6N + 12*L*H*Q*T
    print(f"\nside by side: GPT-2 small ({model.num_params() / 1e6:.1f} M parameters), batch {batch_size} x {cfg['block_size']}, "
          f"{dtype}, compile {compile}, {steps} steps each after {warmup} of warm-up, interleaved, on {device}")
    print(f"{'':10} {'median ms/step':>15} {'tokens/s':>10} {'TFLOP/s':>8} {'MFU':>6} {'tokens/s over nanoGPT':>22}")
    for name, dt in secs.items():
        tokens_per_s = batch_size * cfg['block_size'] / dt
        print(f"{name:10} {dt * 1000:>15.1f} {tokens_per_s:>10,.0f} {tokens_per_s * flops / 1e12:>8.1f} "
              f"{tokens_per_s * flops / peak:>6.1%} {secs['nanoGPT'] / dt:>21.3f}x")


@call_parse
def main(
    device:str='auto',     # auto, cpu, cuda or mps
    dtype:str='float32',   # float32, bfloat16 or float16
    compile:bool=False,    # torch.compile the model
    steps:int=5,           # timed steps per model (the median is reported)
    warmup:int=2,          # untimed steps first (3 more with --compile)
    threads:int=0,         # CPU threads (0: PyTorch's default)
    nanogpt:str=None,      # nanoGPT's model.py, to train side by side with it (CPU: its baby config; CUDA: GPT-2 small)
    text:str='data/philosophy.txt',  # characters for the side-by-side run
    side_steps:int=2000,   # steps of each model in the CPU's side-by-side run
):
    "Training throughput and MFU of picogpt's training step"
    try:
        dev = pick_device(device)
        autocast_context(dev, dtype)
    except ValueError as e: raise SystemExit(f"error: {e}")
    if nanogpt and not Path(nanogpt).is_file(): raise SystemExit(f"error: no file {nanogpt}: give the path of nanoGPT's model.py")
    if threads: torch.set_num_threads(threads)
    torch.manual_seed(0)
    n = 8192 if dev.type == 'cuda' else 2048  # a GPU needs a larger product to reach its peak
    peak = matmul_peak(dev, dtype, n)
    print(f"device {dev} ({torch.get_num_threads()} threads), dtype {dtype}, compile {compile}, torch {torch.__version__}")
    print(f"matmul peak ({n}x{n} @ {n}x{n}, {dtype}): {peak / 1e9:,.1f} GFLOP/s")
    print(f"{'model':32} {'batch':>5} {'params':>10} {'ms/step':>9} {'tokens/s':>10} {'GFLOP/s':>9} {'MFU':>6}")
    for name, cfg, batch_size in GPU_MODELS if dev.type == 'cuda' else MODELS:
        r = bench(cfg, batch_size, dev, dtype, compile, steps, warmup + 3 * compile)
        print(f"{name:32} {batch_size:>5} {r['params']:>10,} {r['ms_per_step']:>9.1f} {r['tokens_per_s']:>10,.0f} "
              f"{r['flops_per_s'] / 1e9:>9.1f} {r['flops_per_s'] / peak:>6.1%}", flush=True)
    if nanogpt and dev.type == 'cuda': gpt2_side_by_side(nanogpt, dev, dtype, compile, peak)
    elif nanogpt: side_by_side(nanogpt, text, side_steps)
