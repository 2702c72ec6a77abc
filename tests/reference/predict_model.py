#!/usr/bin/python3
"""Independent forward pass of an mlp model file with numpy (the oracle of tests/io/test_model.cpp).

Reads MODEL (the safetensors layout of docs/model-format.md) with json + numpy.frombuffer, reads
inputs X from INPUT (whitespace-separated rows = examples, raw units), applies the stored
standardization, the layers and activations of the mlp.model description, un-standardizes
regression outputs, and prints one row per example of outputs with repr() precision.
Usage: /usr/bin/python3 tests/reference/predict_model.py MODEL INPUT
"""
import json
import struct
import sys

import numpy as np


def load(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__")
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        dt = {"F32": "<f4", "F64": "<f8"}[t["dtype"]]
        tensors[name] = np.frombuffer(data[b:e], dtype=dt).reshape(t["shape"]).astype(np.float64)
    return meta, tensors


def act(name, z, slope):
    if name in ("identity", "linear"):
        return z
    if name == "relu":
        return np.maximum(z, 0)
    if name == "leaky_relu":
        return np.where(z > 0, z, slope * z)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    raise ValueError(name)


meta, t = load(sys.argv[1])
spec = json.loads(meta["mlp.model"])
pre = json.loads(meta["mlp.preprocessing"])
X = np.loadtxt(sys.argv[2], ndmin=2).T  # features x examples
if pre["standardize_features"]:
    X = (X - t["normalization.mean"][:, None]) / t["normalization.std"][:, None]
A = X
for k, layer in enumerate(spec["layers"]):
    A = act(layer["activation"], t[f"layers.{k}.W"] @ A + t[f"layers.{k}.b"][:, None], spec["leaky_slope"])
if pre["task"] == "regression" and pre["standardize_targets"]:
    A = A * t["target_normalization.std"][:, None] + t["target_normalization.mean"][:, None]
for col in A.T:
    print(" ".join(repr(float(v)) for v in col))
