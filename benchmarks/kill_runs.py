"""Kill a training run with SIGKILL at random moments, again and again, and check that nothing it left is broken.

A tiny model trains with an evaluation and a checkpoint at every step (`--eval_interval 1`), so that a kill
is likely to land in the middle of a write. After each kill the script checks every file in the run's folder:
`latest.pt` and `best.pt` load as models, `metrics.jsonl` reads (a torn last line is allowed, nothing else),
`loss.png` is a whole PNG, and no temporary file is left that the next run could not clean up. Then the next
round resumes from `latest.pt`, which must succeed: a stale lock, leftover temporary files and a torn metrics
line are the next run's to tidy.

    python benchmarks/kill_runs.py                 # 30 kills, each within half a second of a checkpoint
    python benchmarks/kill_runs.py --kills 100 --seed 1
"""
import os, random, signal, subprocess, sys, tempfile, time
from pathlib import Path
from fastcore.script import call_parse
from picogpt.data import prepare
from picogpt.checkpoint import load_checked_model, load_checkpoint
from picogpt.runs import read_metrics

ARCH = ['--n_layer', '1', '--n_head', '2', '--n_embd', '32', '--block_size', '32', '--batch_size', '8', '--device', 'cpu',
        '--eval_interval', '1', '--eval_iters', '1', '--log_interval', '1', '--max_iters', '100000']

def mtime(path:Path) -> int|None: return path.stat().st_mtime_ns if path.exists() else None

def check_folder(folder:Path) -> list[str]:
    "Problems with the files in a killed run's folder (an empty list if every file is usable)"
    problems = []
    for name in ('latest.pt', 'best.pt'):
        if (folder/name).exists():
            try: load_checked_model(folder/name)
            except Exception as e: problems.append(f'{name}: {e}')
    try: read_metrics(folder)
    except Exception as e: problems.append(f'metrics.jsonl: {e}')
    png = folder/'loss.png'
    if png.exists() and not (png.read_bytes().startswith(b'\x89PNG') and png.read_bytes().endswith(b'IEND\xaeB`\x82')):
        problems.append('loss.png is not a whole PNG')
    return problems

@call_parse
def main(
    kills:int=30,        # how many times to kill the run
    seed:int=0,          # seeds the moments of the kills
    max_s:float=0.5,     # longest wait before a kill, in seconds after the run's first new checkpoint
):
    "Kill a run with SIGKILL at random moments and check that every file it leaves is usable"
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        prepare(Path(__file__).resolve().parent.parent/'data'/'philosophy.txt', tmp/'data', 'char')
        folder, steps, leftovers, bad = tmp/'run', [], 0, 0
        env = {**os.environ, 'OMP_NUM_THREADS': '1'}
        for k in range(kills):
            resume = ['--resume', str(folder/'latest.pt')] if (folder/'latest.pt').exists() else ['--overwrite']
            before = mtime(folder/'latest.pt')
            p = subprocess.Popen([sys.executable, '-m', 'picogpt.cli', 'train', '--data_dir', str(tmp/'data'), '--ckpt_dir', str(folder),
                                  *ARCH, *resume], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            deadline = time.time() + 120  # wait for the run to start saving, then kill it at a random moment
            while mtime(folder/'latest.pt') == before and p.poll() is None and time.time() < deadline: time.sleep(0.01)
            time.sleep(rng.uniform(0, max_s))
            if p.poll() is not None: sys.exit(f'error: round {k}: the run ended by itself (exit {p.returncode}): {p.stderr.read()[-500:]}')
            p.send_signal(signal.SIGKILL); p.wait()
            problems = check_folder(folder)
            leftovers += len(list(folder.glob('.*.tmp')))
            step = load_checkpoint(folder/'latest.pt')['iter_num'] if (folder/'latest.pt').exists() else None
            steps.append(step)
            bad += bool(problems)
            print(f"kill {k + 1:3}: latest.pt at step {step}, {len(read_metrics(folder))} metrics rows, "
                  f"{len(list(folder.glob('.*.tmp')))} temporary file(s) left; {'; '.join(problems) or 'all files load'}", flush=True)
        r = subprocess.run([sys.executable, '-m', 'picogpt.cli', 'train', '--resume', str(folder/'latest.pt'), '--max_iters', '1'],
                           env=env, capture_output=True, text=True)
        tidy = sorted(f.name for f in folder.iterdir())
        print(f"{kills} kills: {bad} left a file that does not load; {leftovers} temporary files were left by kills "
              f"and cleaned by the next run; the run advanced from step {steps[0]} to {steps[-1]}")
        print(f"a last resume: exit {r.returncode}, folder holds {tidy}")
        if bad or r.returncode or tidy != ['best.pt', 'latest.pt', 'loss.png', 'metrics.jsonl']: sys.exit(1)
