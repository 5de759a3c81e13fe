#!/usr/bin/env bash
# The benchmarks on a CUDA GPU, in bfloat16 and compiled, as nbs/15_benchmarks.ipynb quotes them; run from the repository's root:
#     bash benchmarks/gpu_bench.sh ../nanoGPT/model.py [folder for the logs]
# Training: the MFU of picogpt's GPT-2 small beside nanoGPT's (its model.py, given here: nothing is downloaded).
# Decoding: the KV cache, compiled, bfloat16, against transformers' generate(), and the CUDA-graphs experiment.
# Then the smoke training run and the quickstart (the README's first command), timed, on the GPU.
set -u
nanogpt=${1:?give the path of nanoGPT\'s model.py}
out=${2:-.}
export PYTHONUNBUFFERED=1 PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$PWD"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
timeout 330 python3 benchmarks/train_bench.py --device cuda --dtype bfloat16 --compile --steps 20 --warmup 3 \
    --nanogpt "$nanogpt" 2>&1 | tee "$out/train_bench_cuda.txt"
timeout 200 python3 benchmarks/sample_bench.py --device cuda 2>&1 | tee "$out/sample_bench_cuda.txt"
timeout 150 python3 benchmarks/cuda_graphs_bench.py 2>&1 | tee "$out/cuda_graphs_bench.txt"
timeout 90 python3 -m picogpt.cli smoke train --device cuda --ckpt_dir /tmp/smoke --overwrite 2>&1 | tail -4 | tee "$out/smoke_cuda.txt"
start=$SECONDS
timeout 200 python3 -m picogpt.cli quickstart --device cuda --out_dir /tmp/quickstart --ckpt_dir /tmp/quickstart_ckpt 2>&1 \
    | grep -v '^step' | tail -8 | tee "$out/quickstart_cuda.txt"
echo "quickstart on the GPU: $((SECONDS - start)) s" | tee -a "$out/quickstart_cuda.txt"
