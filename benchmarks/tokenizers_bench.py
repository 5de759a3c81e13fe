"""Encode and decode throughput of picogpt's three tokenizers, in MB of UTF-8 text per second.

The text is made by shuffling the lines of the corpus and repeating them until it reaches `--mb` megabytes
(10**6 bytes). Each tokenizer is trained on the corpus itself, then timed on the big text; each figure is the
median of `--repeats` runs after one warm-up run.

    python benchmarks/tokenizers_bench.py                  # 20 MB of shuffled corpus lines
    python benchmarks/tokenizers_bench.py --mb 5 --repeats 3
"""
import random, sys
from pathlib import Path
from fastcore.script import call_parse
from timing import median, timings
from picogpt.tokenizers import BPETokenizer, CharTokenizer, WordTokenizer

def make_text(corpus:str, mb:float, seed:int) -> str:
    "Lines of `corpus` in random order, repeated until the text holds `mb` megabytes"
    lines, rng, parts, n = corpus.splitlines(keepends=True), random.Random(seed), [], 0
    while n < mb * 1e6:
        for line in rng.sample(lines, len(lines)):
            parts.append(line)
            n += len(line.encode('utf-8'))
            if n >= mb * 1e6: break
    return ''.join(parts)

@call_parse
def main(
    mb:float=20,          # size of the benchmark text in MB
    corpus:str=str(Path(__file__).resolve().parent.parent/'data'/'philosophy.txt'),  # text to train on and to build the benchmark text from
    vocab_size:int=4000,  # vocabulary size for BPE and word
    repeats:int=3,        # timed runs per measurement (the median is reported)
    seed:int=0,           # seeds the shuffling
):
    "Encode and decode throughput of the char, word and BPE tokenizers"
    if not Path(corpus).is_file(): sys.exit(f'error: corpus {corpus} not found: pass --corpus PATH')
    if mb <= 0 or repeats < 1: sys.exit('error: --mb must be positive and --repeats at least 1')
    text_in = Path(corpus).read_text(encoding='utf-8')
    text = make_text(text_in, mb, seed)
    size = len(text.encode('utf-8')) / 1e6
    print(f'text: {size:.1f} MB ({len(text):,} characters) of shuffled lines from {corpus}; median of {repeats}')
    trainers = {'char': lambda: CharTokenizer.train(text_in),
                'word': lambda: WordTokenizer.train(text_in, vocab_size),
                'bpe': lambda: BPETokenizer.train(text_in, vocab_size)}
    print(f"{'kind':<5} {'vocab':>6} {'tokens':>12} {'chars/tok':>9} {'encode MB/s':>12} "
          f"{'encode_array MB/s':>18} {'decode MB/s':>12}  round trip")
    for kind, train in trainers.items():
        tok = train()
        ids = tok.encode(text)
        t_enc = median(timings(lambda: tok.encode(text), repeats, warmup=0))
        t_arr = median(timings(lambda: tok.encode_array(text), repeats, warmup=0))
        t_dec = median(timings(lambda: tok.decode(ids), repeats, warmup=0))
        exact = 'exact' if tok.decode(ids) == text else f'lossy ({sum(i == 0 for i in ids) / len(ids):.2%} <unk>)'
        print(f'{kind:<5} {tok.vocab_size:>6,} {len(ids):>12,} {len(text) / len(ids):>9.2f} '
              f'{size / t_enc:>12.1f} {size / t_arr:>18.1f} {size / t_dec:>12.1f}  {exact}')
