"""How many CPU threads: one, all the cores, the default rule, or `ThreadPicker`'s choice, idle and busy.

For each model, training steps (`train_step`: forward, backward, clipping, AdamW on random batches) run for
`--seconds` at a time under each policy, and decoding (80-token replies from `generate`, batch 1, greedy,
KV cache) for `--decode_seconds`, the policies taking turns for `--rounds` rounds; a figure is the median
over the rounds. Then the same again with `--busy` other processes spinning on the CPU, as on a laptop where
a browser or a build is running.

The policies:
- `1 thread`, `2 threads`...: a fixed count, under PyTorch's own settings, as a script that imports torch runs.
- `default`: what the commands do with default flags: `GOMP_SPINCOUNT=1000` set before PyTorch starts, and
  `default_threads`'s count, fixed for the whole run (the machine's count for training, one thread to decode).
- `auto`: `--threads auto` in a command: `ThreadPicker` measuring as it goes, under PyTorch's own settings,
  which a command keeps for it (waiting threads that spin long are what makes two threads fast when idle). The
  picker keeps its state from one round to the next, as it would in one long run or one conversation, so its
  checks, and the first call it spends warming up, are counted in its figures.

OpenMP reads `GOMP_SPINCOUNT` once, when PyTorch loads, so each setting has its own worker process; the
workers take turns, one at a time, so that a slow spell of the machine slows every policy alike.

    python benchmarks/threads_bench.py               # the table of the Benchmarks page (nbs/15_benchmarks.ipynb)
    python benchmarks/threads_bench.py --busy 0      # idle only
"""
import json, os, subprocess, sys, time
import torch
from fastcore.script import call_parse
from timing import median
from picogpt.cpu import ThreadPicker, default_threads, thread_counts
from picogpt.fast import decoding_step
from picogpt.model import GPT, GPTConfig
from picogpt.sampler import generate
from picogpt.train import configure_optimizer, train_step

COMMANDS_ENV = {'GOMP_SPINCOUNT': '1000'}  # what `picogpt.cli.command` sets before PyTorch loads

TRAIN = [  # name, GPTConfig fields, batch size
    ("nanoGPT's CPU baby, 4x128, block 64", dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, bias=False), 12),
    ('quickstart chat, 4x128, block 384', dict(n_layer=4, n_head=4, n_embd=128, block_size=384, vocab_size=2000), 16),
    ('6x384, block 256, 8000 tokens', dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=8000), 12),
]
DECODE = [  # name, GPTConfig fields
    ('decode 4x128, 96 tokens', dict(n_layer=4, n_head=4, n_embd=128, block_size=128, vocab_size=96)),
    ('decode 6x384, 8000 tokens', dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=8000)),
]
WORKS = [(name, 'train', cfg, b) for name, cfg, b in TRAIN] + [(name, 'decode', cfg, 1) for name, cfg in DECODE]


def train_work(cfg:dict, batch_size:int):
    "One training step of a fresh model on a fixed random batch; returns (step function, tokens per step)"
    torch.manual_seed(0)
    model = GPT(GPTConfig(**cfg))
    opt = configure_optimizer(model)
    x = torch.randint(cfg['vocab_size'], (batch_size, cfg['block_size']))
    batch = (x, torch.roll(x, -1, dims=1))
    return (lambda pick: pick(train_step, model, opt, lambda: batch)), batch_size * cfg['block_size']


def decode_work(cfg:dict, tokens:int=80):
    "One reply of `tokens` greedy tokens; returns (work function, tokens per call)"
    torch.manual_seed(0)
    model = GPT(GPTConfig(**cfg)).eval()
    idx = torch.randint(cfg['vocab_size'], (1, 8))
    return (lambda threads: generate(model, idx, tokens, temperature=0, step=decoding_step(model, compile=False, threads=threads))), tokens


def policy(kind:str, name:str, cores:int):
    "What `work` takes for the policy `name`: a count, 'default' or 'auto' (a picker, made once and kept)"
    if kind == 'train':  # `CpuSpeed`: the rule's count, fixed, or a picker around every step
        return ThreadPicker(default_threads() if name == 'default' else thread_counts(cores) if name == 'auto' else int(name))
    return ThreadPicker(thread_counts(cores)) if name == 'auto' else 0 if name == 'default' else int(name)


def rate(work, pol, seconds:float) -> float:
    "Calls of `work(pol)` per second, over at least `seconds`"
    calls, t0 = 0, time.perf_counter()
    while (dt := time.perf_counter() - t0) < seconds or calls == 0:
        work(pol)
        calls += 1
    return calls / dt


def worker():
    "Serve timing requests, one JSON line each on stdin ({work, policy, seconds}), with tokens per second on stdout"
    cores, made, policies = torch.get_num_threads(), {}, {}
    for line in sys.stdin:
        req = json.loads(line)
        _, kind, cfg, b = WORKS[req['work']]
        if req['work'] not in made:
            made[req['work']] = (work, per_call) = train_work(cfg, b) if kind == 'train' else decode_work(cfg)
            work(ThreadPicker(1) if kind == 'train' else 1)  # allocate once, outside the timings
        work, per_call = made[req['work']]
        pol = policies.setdefault((req['work'], req['policy']), policy(kind, req['policy'], cores))
        print(per_call * rate(work, pol, req['seconds']), flush=True)


class Worker:
    "A worker process with the environment `env` added to this one's"
    def __init__(self, env:dict):
        self.p = subprocess.Popen([sys.executable, __file__, '--worker'], env={**os.environ, **env}, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=os.path.dirname(os.path.abspath(__file__)))
    def __call__(self, **req) -> float:
        self.p.stdin.write(json.dumps(req) + '\n'); self.p.stdin.flush()
        return float(self.p.stdout.readline())
    def close(self): self.p.stdin.close(); self.p.wait()


def table(condition:str, cores:int, rounds:int, seconds:float, decode_seconds:float) -> float:
    "Print one condition's table; returns the worst ratio of the default policy to the best fixed count"
    counts = thread_counts(cores)
    plain, commands = Worker({}), Worker(COMMANDS_ENV)
    cols = [(str(n), plain) for n in counts] + [('default', commands), ('auto', plain)]
    print(f"\n{condition}: tokens per second (median of {rounds} turns of {seconds:g} s training, {decode_seconds:g} s decoding)")
    print(f"{'work':38}" + ''.join(f"{f'{n} thread' + 's' * (n > 1):>11}" for n in counts) + f"{'default':>11}{'vs best':>9}{'auto':>11}{'vs best':>9}")
    worst = float('inf')
    try:
        for i, (name, kind, _, _) in enumerate(WORKS):
            rates = {col: [] for col, _ in cols}
            for _ in range(rounds):
                for col, w in cols: rates[col].append(w(work=i, policy=col, seconds=seconds if kind == 'train' else decode_seconds))
            r = {col: median(v) for col, v in rates.items()}
            best = max(r[str(n)] for n in counts)
            worst = min(worst, r['default'] / best)
            print(f"{name:38}" + ''.join(f"{r[str(n)]:>11,.0f}" for n in counts) +
                  f"{r['default']:>11,.0f}{r['default'] / best:>9.2f}{r['auto']:>11,.0f}{r['auto'] / best:>9.2f}", flush=True)
    finally: plain.close(); commands.close()
    return worst


@call_parse
def main(
    busy:int=1,          # other busy processes for the loaded condition (0: idle only)
    rounds:int=3,        # turns of each policy per measurement
    seconds:float=12.0,  # length of each turn of training
    decode_seconds:float=5.0,  # length of each turn of decoding
    worker:bool=False,   # (internal) serve timing requests from the main process
):
    "Tokens per second with 1, 2, ... threads, the commands' default and `--threads auto`, idle and under load"
    if worker: return globals()['worker']()
    cores = torch.get_num_threads()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, PyTorch's default {cores} threads, float32")
    worst = table('idle', cores, rounds, seconds, decode_seconds)
    if busy:
        spinners = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(busy)]
        try: worst = min(worst, table(f'{busy} other busy process{"es" * (busy > 1)}', cores, rounds, seconds, decode_seconds))
        finally:
            for p in spinners: p.kill()
    print(f"\nwith default flags, the speed is at least {worst:.2f} of the best fixed count's")
