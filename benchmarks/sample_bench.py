"""Decoding speed of `picogpt.sampler.generate`: KV cache vs full recompute vs Hugging Face GPT-2 `generate()`.

    python benchmarks/sample_bench.py --threads 1   # as quoted in chapter 05 (a shared 2-core CPU)
    python benchmarks/sample_bench.py --help        # model shape, token counts, device, threads

Random weights, batch 1, greedy decoding. Each timing is the median of `--repeats` runs after a warm-up run.
"""
import torch
from fastcore.script import call_parse
from timing import median, timings
from picogpt.model import GPT, GPTConfig
from picogpt.sampler import generate

def med_time(fn, repeats:int, device, warmup:int=1) -> float:
    "Median wall time of `repeats` calls of `fn`, after `warmup` calls"
    return median(timings(fn, repeats, warmup, device))

def hf_gpt2(cfg:GPTConfig, n_positions:int, device):
    "A random-weight transformers GPT-2 with the same shape as `cfg`, dropout off, in eval mode"
    from transformers import GPT2Config, GPT2LMHeadModel
    hcfg = GPT2Config(n_layer=cfg.n_layer, n_head=cfg.n_head, n_embd=cfg.n_embd, vocab_size=cfg.vocab_size,
                      n_positions=n_positions, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                      bos_token_id=None, eos_token_id=None)  # GPT-2's 50256 lies outside this vocabulary
    return GPT2LMHeadModel(hcfg).to(device).eval()

def hf_generate(model, idx, n:int):
    "Greedy HF generation of exactly `n` new tokens with its KV cache on"
    with torch.inference_mode():
        return model.generate(idx, attention_mask=torch.ones_like(idx), max_new_tokens=n, min_new_tokens=n,
                              do_sample=False, use_cache=True, pad_token_id=0)

def line(name, n, secs): print(f"{name:<44} {n} tokens in {secs:6.2f} s = {n/secs:8.1f} tokens/s")

@call_parse
def main(
    max_new_tokens:int=500,  # new tokens per run
    prompt_len:int=8,        # tokens in the (random) prompt
    n_layer:int=6,           # transformer blocks
    n_head:int=6,            # attention heads
    n_embd:int=384,          # embedding width
    block_size:int=256,      # picogpt's context window
    vocab_size:int=8000,     # the seed's default BPE vocabulary size
    repeats:int=3,           # timed runs per measurement (the median counts); full recompute runs once
    device:str='cpu',        # cpu, cuda or mps
    threads:int=None,        # CPU threads for PyTorch (default: PyTorch's choice)
    seed:int=0,              # seeds the weights and the prompt
):
    "Benchmark cached vs recomputed decoding, and picogpt vs transformers"
    if threads: torch.set_num_threads(threads)
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head, n_embd=n_embd)
    model = GPT(cfg).to(device).eval()
    idx = torch.randint(0, vocab_size, (1, prompt_len), device=device)
    n, short = max_new_tokens, block_size - prompt_len
    n_threads = torch.get_num_threads()
    where = f"{device}, {n_threads} thread{'s' * (n_threads > 1)}" if device == 'cpu' else device
    print(f"model: {n_layer} layers, {n_head} heads, n_embd {n_embd}, block_size {block_size}, vocab {vocab_size}, "
          f"random weights; {where}; batch 1, prompt {prompt_len} tokens, greedy")

    run = lambda k, cache: generate(model, idx, k, temperature=0, use_cache=cache)
    t_cache = med_time(lambda: run(n, True), repeats, device)
    line("picogpt, KV cache:", n, t_cache)
    t_full = med_time(lambda: run(n, False), 1, device, warmup=0)  # slow, and the cached runs warmed everything up
    line("picogpt, full recompute of the window:", n, t_full)

    # HF's context can't slide: it needs n_positions >= prompt + new tokens, so over 500 new tokens it attends to
    # up to 508 positions while picogpt's window stays <= 256. The second comparison keeps both within 256
    # positions, where they do the same work token for token.
    hf_long = hf_gpt2(cfg, prompt_len + n, device)
    t_hf = med_time(lambda: hf_generate(hf_long, idx, n), repeats, device)
    line(f"transformers GPT-2 generate (n_positions {prompt_len + n}):", n, t_hf)
    t_cache_short = med_time(lambda: run(short, True), repeats, device)
    hf_short = hf_gpt2(cfg, block_size, device)
    t_hf_short = med_time(lambda: hf_generate(hf_short, idx, short), repeats, device)
    line("picogpt, KV cache, no sliding:", short, t_cache_short)
    line(f"transformers GPT-2 generate (n_positions {block_size}):", short, t_hf_short)

    print(f"cache vs recompute: {t_full / t_cache:.1f}x")
    print(f"picogpt vs transformers, {n} new tokens (picogpt's window slides at {block_size}, "
          f"HF attends to all {prompt_len + n} positions): {t_hf / t_cache:.1f}x")
    print(f"picogpt vs transformers, {short} new tokens (both within {block_size} positions, same work): "
          f"{t_hf_short / t_cache_short:.1f}x")
