"""Encode and decode throughput of picogpt's three tokenizers, in MB of UTF-8 text per second.

    python benchmarks/tokenizers_bench.py            # 20 MB of shuffled corpus lines
    python benchmarks/tokenizers_bench.py --mb 5 --repeat 1

The text is made by shuffling the lines of the corpus and repeating until it reaches --mb megabytes
(10**6 bytes). Each tokenizer is trained on the corpus itself, then timed on the big text; the best of
--repeat runs is reported.
"""
import argparse, random, sys, time
from pathlib import Path

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


def best_time(f, repeat:int) -> tuple[float, object]:
    "Shortest wall time of `repeat` calls of `f`, and its last result"
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--mb', type=float, default=20, help='size of the benchmark text in MB (default 20)')
    p.add_argument('--corpus', default=str(Path(__file__).resolve().parent.parent / 'data' / 'philosophy.txt'),
                   help='text to train on and to build the benchmark text from')
    p.add_argument('--vocab-size', type=int, default=4000, help='vocabulary size for BPE and word (default 4000)')
    p.add_argument('--repeat', type=int, default=3, help='timed runs per measurement; the best is reported (default 3)')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    if not Path(args.corpus).is_file(): sys.exit(f'error: corpus {args.corpus} not found: pass --corpus PATH')
    if args.mb <= 0 or args.repeat < 1: sys.exit('error: --mb must be positive and --repeat at least 1')

    corpus = Path(args.corpus).read_text(encoding='utf-8')
    text = make_text(corpus, args.mb, args.seed)
    mb = len(text.encode('utf-8')) / 1e6
    print(f'text: {mb:.1f} MB ({len(text):,} characters) of shuffled lines from {args.corpus}; best of {args.repeat}')
    trainers = {'char': lambda: CharTokenizer.train(corpus),
                'word': lambda: WordTokenizer.train(corpus, args.vocab_size),
                'bpe': lambda: BPETokenizer.train(corpus, args.vocab_size)}
    print(f"{'kind':<5} {'vocab':>6} {'tokens':>12} {'chars/tok':>9} {'train s':>8} {'encode MB/s':>12} "
          f"{'encode_array MB/s':>18} {'decode MB/s':>12}  round trip")
    for kind, train in trainers.items():
        t_train, tok = best_time(train, 1)
        t_enc, ids = best_time(lambda: tok.encode(text), args.repeat)
        t_arr, _ = best_time(lambda: tok.encode_array(text), args.repeat)
        t_dec, back = best_time(lambda: tok.decode(ids), args.repeat)
        exact = 'exact' if back == text else f'lossy ({sum(i == 0 for i in ids) / len(ids):.2%} <unk>)'
        print(f'{kind:<5} {tok.vocab_size:>6,} {len(ids):>12,} {len(text) / len(ids):>9.2f} {t_train:>8.2f} '
              f'{mb / t_enc:>12.1f} {mb / t_arr:>18.1f} {mb / t_dec:>12.1f}  {exact}')
        del ids, back


if __name__ == '__main__': main()
