#!/usr/bin/env python3
"""Times one GPT training step (forward, backward, AdamW) in PyTorch on the CPU, the peer of GptStepBenchmark.

Usage: gpt_step_torch.py [--threads 2] [--layers 4] [--heads 4] [--d 256] [--seq 128] [--batch 8] [--vocab 4096]
                         [--warmup 5] [--iters 20]

GPT-2 architecture as nanoGPT (pre-LN blocks, tanh GELU, tied LM head, F.scaled_dot_product_attention with
is_causal), fp32, torch.optim.AdamW(fused=False, foreach=True). Prints ms/step and tokens/s (median of iters).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.fc_proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, layers, heads, d, vocab, seq):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, ids, targets):
        t = ids.shape[1]
        x = self.wte(ids) + self.wpe(torch.arange(t))
        for blk in self.blocks:
            x = blk(x)
        logits = self.ln_f(x) @ self.wte.weight.T
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def main():
    ap = argparse.ArgumentParser()
    for name, default in [("threads", 2), ("layers", 4), ("heads", 4), ("d", 256), ("seq", 128), ("batch", 8),
                          ("vocab", 4096), ("warmup", 5), ("iters", 20)]:
        ap.add_argument("--" + name, type=int, default=default)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Gpt(a.layers, a.heads, a.d, a.vocab, a.seq)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.0, foreach=True)
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))
    targets = torch.randint(0, a.vocab, (a.batch, a.seq))
    times = []
    for i in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(ids, targets)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if i >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    tokens = a.batch * a.seq
    print(f"torch {torch.__version__} threads={a.threads} layers={a.layers} heads={a.heads} d={a.d} seq={a.seq} "
          f"batch={a.batch} vocab={a.vocab}: {med * 1e3:.1f} ms/step (median of {a.iters}), "
          f"{tokens / med:.0f} tokens/s, min {min(times) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
