"""The timing helper every benchmark here shares: wall-clock seconds of repeated calls after warm-up calls.

Report medians of repeated runs, never one cold run: the first call pays for allocations, lazy imports and
(with `torch.compile`) compilation, and any single run can be slowed by whatever else the machine does.
"""
import statistics, time

def sync(device=None):
    "Wait for the work queued on an accelerator, so that wall-clock time measures it"
    import torch
    kind = getattr(device, 'type', device)
    if kind == 'cuda': torch.cuda.synchronize(device)
    elif kind == 'mps': torch.mps.synchronize()

def timings(
    fn,              # the work to time, called with no arguments
    repeats:int=5,   # timed calls
    warmup:int=1,    # untimed calls first
    device=None,     # an accelerator to wait for after each call
) -> list[float]:
    "Seconds of each of `repeats` calls of `fn`, after `warmup` untimed ones"
    for _ in range(warmup): fn()
    sync(device)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync(device)
        out.append(time.perf_counter() - t0)
    return out

def median(xs:list[float]) -> float: return statistics.median(xs)
