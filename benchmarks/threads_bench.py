"""How many CPU threads: one, all the cores, or `ThreadPicker`'s choice, on an idle and on a busy machine.

For each model, training steps (`train_step`: forward, backward, clipping, AdamW on random batches) run for
`--seconds` at a time under each policy, and decoding (80-token replies from `generate`, batch 1, greedy,
KV cache) for `--decode_seconds`, the policies taking turns for `--rounds` rounds; a figure is the median
over the rounds. The picker keeps its state from one round to the next, as it would in one long run or one
conversation, so its checks, and the first call it spends warming up, are counted in its figures. Then the same
again with `--busy` other processes spinning on the CPU, as on a laptop where a browser or a build is running.

    python benchmarks/threads_bench.py               # the table of the Benchmarks page (nbs/15_benchmarks.ipynb)
    python benchmarks/threads_bench.py --busy 0      # idle only
"""
import os, subprocess, sys, time
import torch
from fastcore.script import call_parse
from timing import median
from picogpt.cpu import ThreadPicker, thread_counts
from picogpt.fast import decoding_step
from picogpt.model import GPT, GPTConfig
from picogpt.sampler import generate
from picogpt.train import configure_optimizer, train_step

TRAIN = [  # name, GPTConfig fields, batch size
    ("nanoGPT's CPU baby, 4x128, block 64", dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, bias=False), 12),
    ('quickstart chat, 4x128, block 384', dict(n_layer=4, n_head=4, n_embd=128, block_size=384, vocab_size=2000), 16),
    ('6x384, block 256, 8000 tokens', dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=8000), 12),
]
DECODE = [  # name, GPTConfig fields
    ('decode 4x128, 96 tokens', dict(n_layer=4, n_head=4, n_embd=128, block_size=128, vocab_size=96)),
    ('decode 6x384, 8000 tokens', dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=8000)),
]


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
    return (lambda threads: generate(model, idx, tokens, temperature=0, step=decoding_step(model, threads=threads))), tokens


def rate(work, policy, seconds:float) -> float:
    "Calls of `work(policy)` per second, over at least `seconds`"
    calls, t0 = 0, time.perf_counter()
    while (dt := time.perf_counter() - t0) < seconds or calls == 0:
        work(policy)
        calls += 1
    return calls / dt


def compare(work, per_call:int, policies:dict, rounds:int, seconds:float) -> dict:
    "Median units (tokens) per second of each policy, the policies taking turns round after round"
    work(policies[1])  # allocate once, outside the timings
    rates = {name: [] for name in policies}
    for _ in range(rounds):
        for name, policy in policies.items(): rates[name].append(per_call * rate(work, policy, seconds))
    return {name: median(r) for name, r in rates.items()}


def table(condition:str, cores:int, rounds:int, seconds:float, decode_seconds:float) -> float:
    "Print one condition's table; returns the worst ratio of the picker to the best fixed count"
    counts = thread_counts(cores)
    print(f"\n{condition}: tokens per second (median of {rounds} turns of {seconds:g} s training, {decode_seconds:g} s decoding)")
    print(f"{'work':38}" + ''.join(f"{f'{n} thread' + 's' * (n > 1):>12}" for n in counts) + f"{'picked':>12}{'vs best':>9}")
    worst = float('inf')
    # a training run keeps one picker throughout, and so does a chat from one reply to the next
    trained = [(name, train_work(cfg, b), {n: ThreadPicker(n) for n in counts} | {'picked': ThreadPicker(counts)}, seconds)
               for name, cfg, b in TRAIN]
    decoded = [(name, decode_work(cfg), {n: n for n in counts} | {'picked': ThreadPicker(counts)}, decode_seconds)
               for name, cfg in DECODE]
    for name, (work, per_call), policies, secs in trained + decoded:
        r = compare(work, per_call, policies, rounds, secs)
        ratio = r['picked'] / max(r[n] for n in counts)
        worst = min(worst, ratio)
        print(f"{name:38}" + ''.join(f"{r[n]:>12,.0f}" for n in counts) + f"{r['picked']:>12,.0f}{ratio:>9.2f}", flush=True)
    return worst


@call_parse
def main(
    busy:int=1,          # other busy processes for the loaded condition (0: idle only)
    rounds:int=3,        # turns of each policy per measurement
    seconds:float=12.0,  # length of each turn of training
    decode_seconds:float=5.0,  # length of each turn of decoding
):
    "Tokens per second with 1, 2, ... threads and with ThreadPicker's choice, idle and under load"
    cores = torch.get_num_threads()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, PyTorch's default {cores} threads, float32")
    worst = table('idle', cores, rounds, seconds, decode_seconds)
    if busy:
        spinners = [subprocess.Popen([sys.executable, '-c', 'while True: pass']) for _ in range(busy)]
        try: worst = min(worst, table(f'{busy} other busy process{"es" * (busy > 1)}', cores, rounds, seconds, decode_seconds))
        finally:
            for p in spinners: p.kill()
    print(f"\nthe picked count's speed is at least {worst:.2f} of the best fixed count's")
