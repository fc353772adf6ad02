#!/usr/bin/env python3
"""PyTorch reference for Shard4j's GPT: loss and parameter gradients for one batch.

Usage: gpt_reference.py IN.safetensors OUT.safetensors

IN (written by Shard4j's SafeTensors) holds every parameter under its Shard4j name (wte.weight, wpe.weight,
blocks.{i}.ln1.weight, blocks.{i}.attn.qkv.weight (3C, C) with rows q | k | v, ..., ln_f.bias, and lm_head.weight
when the head is untied), the batch as I32 tensors "ids" and "targets" (B, T), and metadata
{"layers", "heads", "tied_lm_head"}. The model is GPT-2 (pre-LN blocks, tanh GELU, causal attention, LN eps 1e-5),
computed in float64. OUT receives "loss" (1) and "grad.<name>" for every parameter, as float32.
"""
import json
import struct
import sys

import torch
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = {"F32": torch.float32, "I32": torch.int32}[info["dtype"]]
        buf = bytearray(data[base + begin:base + end])
        out[name] = torch.frombuffer(buf, dtype=dtype).reshape(info["shape"]).clone()
    return out, meta


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def gpt_loss(p, ids, targets, layers, heads, tied):
    b, t = ids.shape
    x = p["wte.weight"][ids] + p["wpe.weight"][torch.arange(t)]
    c = x.shape[-1]
    hd = c // heads
    mask = torch.tril(torch.ones(t, t, dtype=torch.bool))
    for i in range(layers):
        k = f"blocks.{i}."
        h = F.layer_norm(x, (c,), p[k + "ln1.weight"], p[k + "ln1.bias"], 1e-5)
        qkv = h @ p[k + "attn.qkv.weight"].T + p[k + "attn.qkv.bias"]
        q, kk, v = qkv.split(c, dim=-1)
        q = q.view(b, t, heads, hd).transpose(1, 2)
        kk = kk.view(b, t, heads, hd).transpose(1, 2)
        v = v.view(b, t, heads, hd).transpose(1, 2)
        att = (q @ kk.transpose(-2, -1)) / (hd ** 0.5)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + y @ p[k + "attn.proj.weight"].T + p[k + "attn.proj.bias"]
        h = F.layer_norm(x, (c,), p[k + "ln2.weight"], p[k + "ln2.bias"], 1e-5)
        h = F.gelu(h @ p[k + "mlp.fc.weight"].T + p[k + "mlp.fc.bias"], approximate="tanh")
        x = x + h @ p[k + "mlp.proj.weight"].T + p[k + "mlp.proj.bias"]
    x = F.layer_norm(x, (c,), p["ln_f.weight"], p["ln_f.bias"], 1e-5)
    head = p["wte.weight"] if tied else p["lm_head.weight"]
    logits = x @ head.T
    return F.cross_entropy(logits.reshape(b * t, -1), targets.reshape(b * t).long(), ignore_index=-100)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tensors, meta = read_safetensors(sys.argv[1])
    ids = tensors.pop("ids").long()
    targets = tensors.pop("targets").long()
    params = {n: t.to(torch.float64).requires_grad_(True) for n, t in tensors.items()}
    loss = gpt_loss(params, ids, targets, int(meta["layers"]), int(meta["heads"]), meta["tied_lm_head"] == "true")
    loss.backward()
    out = {"loss": loss.detach().reshape(1)}
    for n, t in params.items():
        out["grad." + n] = t.grad
    write_safetensors(sys.argv[2], out)


if __name__ == "__main__":
    main()
