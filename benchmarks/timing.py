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

def in_turn(
    names:list,  # what takes turns
    r:int,       # the round
) -> list:
    "`names` starting from the `r`-th, wrapping round: over rounds, each goes first in turn"
    return names[r % len(names):] + names[:r % len(names)]

def interleaved(
    fns:dict,        # name -> the work to time, called with no arguments
    repeats:int=5,   # timed calls of each
    warmup:int=1,    # untimed calls of each first
    device=None,     # an accelerator to wait for after each call
) -> dict:
    "Median seconds of each of `fns`, timed in turns, each going first in turn: a slow spell of the machine slows them alike"
    for fn in fns.values(): timings(fn, 0, warmup, device)
    names, times = list(fns), {name: [] for name in fns}
    for r in range(repeats):
        for name in in_turn(names, r): times[name] += timings(fns[name], 1, 0, device)
    return {name: median(ts) for name, ts in times.items()}
