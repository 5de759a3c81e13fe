"""Training throughput and model-FLOPs utilisation (MFU) of picogpt's real training step.

MFU = achieved model FLOP/s / peak FLOP/s. The model FLOPs per token are `GPT.flops_per_token()`
(6N + 12*L*H*Q*T, forward and backward); the peak is measured on this machine by timing a large matmul
in the same dtype (best of several trials). Each step is `picogpt.train.train_step` (forward, backward,
clipping, AdamW) on random token batches, so data loading is not measured; the step time is the median over
the timed steps, after warm-up steps.

    python benchmarks/train_bench.py                                  # CPU, float32
    python benchmarks/train_bench.py --device cuda --dtype bfloat16 --compile
"""
import time
import torch
from fastcore.script import call_parse
from timing import median, sync, timings
from picogpt.model import GPT, GPTConfig
from picogpt.device import DTYPES, autocast_context, pick_device
from picogpt.train import configure_optimizer, train_step

MODELS = [  # name, GPTConfig fields, batch size
    ('4 layers, 128 wide, block 64', dict(n_layer=4, n_head=4, n_embd=128, block_size=64), 12),
    ('6 layers, 384 wide, block 256', dict(n_layer=6, n_head=6, n_embd=384, block_size=256), 12),
]


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


def bench(cfg:dict, batch_size:int, device, dtype:str, compile:bool, steps:int, warmup:int) -> dict:
    "Tokens per second and model FLOP/s of the training step for one model"
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=65, **cfg)).to(device)
    optimizer = configure_optimizer(model, device_type=device.type)
    net = torch.compile(model) if compile else model
    scaler = torch.amp.GradScaler('cuda') if dtype == 'float16' else None
    ctx = autocast_context(device, dtype)
    x = torch.randint(65, (batch_size, cfg['block_size']), device=device)
    y = torch.roll(x, -1, dims=1)
    step = lambda: train_step(net, optimizer, lambda: (x, y), grad_accum=1, grad_clip=1.0, ctx=ctx, scaler=scaler)
    dt = median(timings(step, steps, warmup, device))  # robust to the odd step slowed by other processes
    tokens_per_s = batch_size * cfg['block_size'] / dt
    return dict(params=model.num_params(), ms_per_step=dt * 1000, tokens_per_s=tokens_per_s,
                flops_per_s=tokens_per_s * model.flops_per_token())


@call_parse
def main(
    device:str='auto',     # auto, cpu, cuda or mps
    dtype:str='float32',   # float32, bfloat16 or float16
    compile:bool=False,    # torch.compile the model
    steps:int=5,           # timed steps per model (the median is reported)
    warmup:int=2,          # untimed steps first (3 more with --compile)
):
    "Training throughput and MFU of picogpt's training step"
    try:
        dev = pick_device(device)
        autocast_context(dev, dtype)
    except ValueError as e: raise SystemExit(f"error: {e}")
    torch.manual_seed(0)
    peak = matmul_peak(dev, dtype)
    print(f"device {dev} ({torch.get_num_threads()} threads), dtype {dtype}, compile {compile}, torch {torch.__version__}")
    print(f"matmul peak (2048x2048 @ 2048x2048, {dtype}): {peak / 1e9:,.1f} GFLOP/s")
    print(f"{'model':32} {'batch':>5} {'params':>10} {'ms/step':>9} {'tokens/s':>10} {'GFLOP/s':>9} {'MFU':>6}")
    for name, cfg, batch_size in MODELS:
        r = bench(cfg, batch_size, dev, dtype, compile, steps, warmup + 3 * compile)
        print(f"{name:32} {batch_size:>5} {r['params']:>10,} {r['ms_per_step']:>9.1f} {r['tokens_per_s']:>10,.0f} "
              f"{r['flops_per_s'] / 1e9:>9.1f} {r['flops_per_s'] / peak:>6.1%}", flush=True)
