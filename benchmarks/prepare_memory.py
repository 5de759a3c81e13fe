"""Peak memory of the BPE prepare of a file that is one long line.

Writes about `--size_mb` MB of data/philosophy.txt with every newline turned into a space (one line, no newline),
then runs `picogpt_prepare_tokenizer` and `picogpt_prepare_chat` on it, each under a fresh Python parent that runs
only it, and prints each command's exit status, peak resident memory and time. Hugging Face's trainer reads a
line whole: before `train_from_files` cut a long line into pieces, 50 MB took 4.6 GB; the aim is under 1.5 GB.

    python benchmarks/prepare_memory.py [--size_mb 50] [--text data/philosophy.txt]
"""
import subprocess, sys, tempfile
from pathlib import Path
from fastcore.script import call_parse

PARENT = """import resource, subprocess, sys, time
t = time.time()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if r.returncode: print(r.stderr.strip(), file=sys.stderr)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (2**20 if sys.platform == 'darwin' else 2**10)
print(r.returncode, peak, time.time() - t)"""  # its only child: the peak is the command's own

@call_parse
def main(
    size_mb:int=50,                  # size of the one-line corpus
    text:str='data/philosophy.txt',  # text to repeat
):
    "Print the peak memory of the BPE prepare commands on a one-line corpus"
    line = Path(text).read_text(encoding='utf-8').replace('\n', ' ')
    with tempfile.TemporaryDirectory() as d:
        Path(d, 'one_line.txt').write_text((line * (size_mb * 2**20 // len(line) + 1))[:size_mb * 2**20], encoding='utf-8')
        for name in ('prepare_tokenizer', 'prepare_chat'):
            cmd = [sys.executable, '-m', 'picogpt.cli', name, '--text_path', 'one_line.txt', '--out_dir', name]
            code, mb, s = subprocess.run([sys.executable, '-c', PARENT, *cmd], cwd=d, stdout=subprocess.PIPE, text=True).stdout.split()
            print(f"picogpt_{name} on a {size_mb} MB single line: exit {code}, peak {float(mb):,.0f} MB, {float(s):.0f} s")
