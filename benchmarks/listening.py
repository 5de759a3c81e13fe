"""What makes a small chat model listen: chapter 6's experiment, one training run per setting, each scored by `chat_eval`.

Every setting prepares `--corpus` for chat and trains a model of the quickstart's shape (4 layers, 4 heads, 128 wide)
from the same seed, on the CPU, then asks it `chat_eval`'s 30 questions (written apart from the corpus) one by one.
A row of the table: the question's help on their written answers (nats per answer token: how much more likely an
answer is after its own question than after another), how many replies name the subject asked about, the share of
reply words that are words of the corpus, and the minutes of preparing and training (the evaluation not counted).

    python benchmarks/listening.py                  # every setting, a few minutes each on two CPU cores
    python benchmarks/listening.py --only 2 0       # the third, then the first
"""
import sys, tempfile, time
from pathlib import Path
from fastcore.script import call_parse, Param
from picogpt.chat import QUICKSTART, prepare_chat
from picogpt.train import load_model, train
from chat_eval import QUESTIONS, evaluate  # this folder is on the path of a script run from it

SHORT = dict(block_size=128, batch_size=16, max_iters=2400, warmup_iters=40, eval_interval=300, dropout=0.0)
SETTINGS = [  # (what changes, prepare_chat's settings, training settings over QUICKSTART's)
    ("400 steps of 16 x 384 tokens, dropout 0.2: the quickstart", dict(variants=1),
     dict(block_size=384, batch_size=16, max_iters=400, warmup_iters=40, eval_interval=50, dropout=0.2)),
    ("2,400 steps of 16 x 128 tokens, no dropout", dict(variants=1), SHORT),
    ("the same, each passage in 4 forms", dict(variants=4), SHORT),
    ("the same, each passage in 8 forms", dict(variants=8), SHORT),
    ("2,400 steps of 8 x 256 tokens, no dropout, 4 forms", dict(variants=4), dict(SHORT, block_size=256, batch_size=8)),
]

ONLY = Param("the settings to run, by index, in this order", int, nargs='*')

@call_parse
def main(
    corpus:str='data/philosophy.txt',  # the chat corpus
    only:ONLY=None,                    # the settings to run, by index, in this order
):
    "Train one chat model per setting and print the experiment's table"
    rows = []
    for i in only or range(len(SETTINGS)):
        label, prep, settings = SETTINGS[i]
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            cfg = {**QUICKSTART, **settings}
            prepare_chat(corpus, f'{d}/data', min_tokens=cfg['block_size'] + 1, **prep)
            train(data_dir=f'{d}/data', ckpt_dir=f'{d}/ckpt', device='cpu', progress=False, **cfg)
            minutes = (time.perf_counter() - t0) / 60
            model, tokenizer = load_model(f'{d}/ckpt/best.pt', 'cpu')
            r = evaluate(model, tokenizer, Path(corpus))
        rows.append((i, label, r['unseen_help'][0], r['named'][0], r['real_words'], minutes))
        print(f"{i}. {label}: help {rows[-1][2]:.3f}, named {rows[-1][3]} of {len(QUESTIONS)}, real words {rows[-1][4]:.1%}, "
              f"{minutes:.1f} min", file=sys.stderr, flush=True)
    print(f"| setting | question's help (nats/token) | replies naming the subject (of {len(QUESTIONS)}) | real words | minutes |")
    print("|---|---|---|---|---|")
    for _, label, helped, named, real, minutes in sorted(rows): print(f"| {label} | {helped:.3f} | {named} | {real:.1%} | {minutes:.1f} |")
