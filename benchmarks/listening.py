"""What makes a small chat model listen: chapter 6's experiment, one training run per setting, each scored by `chat_eval`.

Every setting prepares `--corpus` for chat and trains a model of the quickstart's shape (4 layers, 4 heads, 128 wide)
from the same seed, on the CPU, then asks its final checkpoint (`latest.pt`) `chat_eval`'s 30 questions (written
apart from the corpus) one by one. A row of the table: the question's help on their written answers (nats per answer
token: how much more likely an answer is after its own question than after another), how many replies name the
subject asked about and, as the level of chance, how many name the subject of the question half the list away, the
share of reply words that are words of the corpus, and the minutes of preparing and training (the evaluation not
counted). Time it with nothing else running.

    python benchmarks/listening.py                  # every setting, about six minutes each on two CPU cores
    python benchmarks/listening.py --only 4 0       # the fifth, then the first
"""
import sys, tempfile, time
from pathlib import Path
from fastcore.script import call_parse, Param
from picogpt.chat import QUICKSTART, prepare_chat
from picogpt.train import load_model, train
from chat_eval import QUESTIONS, evaluate  # this folder is on the path of a script run from it

OLD = dict(block_size=384, batch_size=16, max_iters=400, warmup_iters=40, eval_interval=50, dropout=0.2)  # the quickstart before
SHORT = dict(block_size=128, batch_size=16)  # the quickstart's steps and tokens per step, in shorter windows
WRITTEN = dict(reasks=0, lowercase=False)    # the passages as written, the tokenizer cased
SETTINGS = [  # (what changes, prepare_chat's settings, training settings over QUICKSTART's)
    ("400 steps of 16 x 384 tokens, dropout 0.2, passages as written: the first quickstart", WRITTEN, OLD),
    ("2,400 steps of 16 x 128 tokens, no dropout", WRITTEN, SHORT),
    ("the same, the tokenizer in lower case", dict(reasks=0), SHORT),
    ("the same, cased, each passage also asked in 4 other passages' words", dict(lowercase=False), SHORT),
    ("the same, in lower case and asked in 4 other words", {}, SHORT),
    ("the same in 8 x 256 tokens: the quickstart", {}, {}),
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
            model, tokenizer = load_model(f'{d}/ckpt/latest.pt', 'cpu')  # the trained model; best.pt is from before it memorised
            r = evaluate(model, tokenizer, Path(corpus))
        rows.append((i, label, r['unseen_help'][0], r['named'][0], r['by_chance'][0], r['real_words'], minutes))
        print(f"{i}. {label}: help {rows[-1][2]:.3f}, named {rows[-1][3]} of {len(QUESTIONS)} (by chance {rows[-1][4]}), "
              f"real words {rows[-1][5]:.1%}, {minutes:.1f} min", file=sys.stderr, flush=True)
    print(f"| setting | question's help (nats/token) | replies naming the subject (of {len(QUESTIONS)}) | by chance | real words | minutes |")
    print("|---|---|---|---|---|---|")
    for _, label, *figures in sorted(rows): print("| {} | {:.3f} | {} | {} | {:.1%} | {:.1f} |".format(label, *figures))
