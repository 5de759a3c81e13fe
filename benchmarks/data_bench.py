"""Peak memory of `picogpt.data.prepare` does not grow with the corpus.

Builds synthetic corpora (20 MB and 200 MB by default) by repeating data/philosophy.txt with its paragraphs
shuffled, prepares each as a char-level dataset in a fresh process (so that each peak is its own), and prints
the peak resident memory next to the corpus size and tokens/s. For contrast, the naive one-shot path (read
the whole file, encode it in one call) runs on the smallest corpus.

    python benchmarks/data_bench.py [--sizes_mb 20,200] [--naive_mb 20] [--text data/philosophy.txt]
"""
import json, random, resource, subprocess, sys, tempfile, time
from pathlib import Path
from fastcore.script import call_parse

def rss_mb() -> float:
    "Current resident set size of this process in MB (Linux)"
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024
    return float('nan')

def peak_rss_mb() -> float:
    "Peak resident set size of this process in MB (ru_maxrss is KiB on Linux, bytes on macOS)"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == 'darwin' else peak / 1024

def make_corpus(src:Path, dst:Path, size_mb:int, seed:int=0):
    "Write about `size_mb` MB to `dst`: the paragraphs of `src` over and over, reshuffled on every pass"
    paragraphs = src.read_text(encoding='utf-8').split('\n\n')
    rng, target, written = random.Random(seed), size_mb * 2**20, 0
    with open(dst, 'w', encoding='utf-8') as f:
        while written < target:
            rng.shuffle(paragraphs)
            block = '\n\n'.join(paragraphs) + '\n\n'
            f.write(block)
            written += len(block.encode('utf-8'))

def child(corpus:str, out_dir:str, naive:bool):
    "In a fresh process: prepare `corpus` (streaming or naive) and print one JSON line of measurements"
    import numpy as np
    from picogpt.data import prepare
    from picogpt.tokenizers import CharTokenizer
    base, t0 = rss_mb(), time.perf_counter()
    if naive:
        text = Path(corpus).read_text(encoding='utf-8')
        ids = CharTokenizer.train(text).encode_array(text).astype(np.uint16)
        ids.tofile(Path(out_dir)/'all.bin')
        tokens = len(ids)
    else:
        meta = prepare(corpus, out_dir, tokenizer='char')
        tokens = meta['train_tokens'] + meta['val_tokens']
    print(json.dumps(dict(tokens=tokens, seconds=time.perf_counter() - t0, base_rss_mb=base, peak_rss_mb=peak_rss_mb())))

def measure(corpus:Path, out_dir:Path, naive:bool) -> dict:
    "Run `child` in a fresh Python process and read its measurements"
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); from data_bench import child; child({str(corpus)!r}, {str(out_dir)!r}, {naive})"
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])

@call_parse
def main(
    sizes_mb:str='20,200',             # corpus sizes to prepare with streaming, comma-separated
    naive_mb:int=20,                   # corpus size for the naive one-shot path (0: skip it)
    text:str='data/philosophy.txt',    # text to repeat
):
    "Peak memory of streaming `prepare` against corpus size, and of the naive path"
    runs = [(int(mb), False) for mb in sizes_mb.split(',')] + ([(naive_mb, True)] if naive_mb else [])
    print(f"{'path':9} {'corpus MB':>9} {'tokens':>12} {'seconds':>8} {'Mtok/s':>7} {'RSS after imports MB':>20} {'peak RSS MB':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for mb, naive in runs:
            corpus = Path(tmp)/f'corpus_{mb}mb.txt'
            if not corpus.exists(): make_corpus(Path(text), corpus, mb)
            out = Path(tmp)/f'out_{mb}_{"naive" if naive else "stream"}'
            out.mkdir()
            r = measure(corpus, out, naive)
            print(f"{'naive' if naive else 'streaming':9} {corpus.stat().st_size / 2**20:9.1f} {r['tokens']:12,} "
                  f"{r['seconds']:8.2f} {r['tokens'] / r['seconds'] / 1e6:7.2f} {r['base_rss_mb']:20.0f} {r['peak_rss_mb']:11.0f}")
