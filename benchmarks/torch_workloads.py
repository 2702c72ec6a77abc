#!/usr/bin/python3
"""The workloads of benchmarks/workloads.cpp in PyTorch, for the side-by-side comparison.

Run with Debian's /usr/bin/python3 (torch 1.13). Prints one JSON object on stdout.

  torch_workloads.py --mode train|infer|memory|tta|info [--intra N] [--batches 1,32,...]
                     [--data DIR | --synthetic M] [--epochs E] [--target ACC]

--intra N calls torch.set_num_threads(N) (intra-op threads); without it PyTorch keeps its
default. The BLAS thread count (OpenBLAS in Debian's torch) is set by the caller through
OPENBLAS_NUM_THREADS before Python starts; it is reported in the output, and so is the kernel
(the "libraries" object: torch's and numpy's versions, torch's BLAS build setting and parallel
backend, and the OpenBLAS this process loaded, with the core it runs, read through ctypes).
--mode info prints that object alone.

The loops mirror the C++ driver: the same network (784-256-128-10, ReLU, softmax
cross-entropy, He-normal weights, zero biases), Adam(lr=1e-3), a fresh permutation per epoch,
batches gathered by index from the standardized training tensor, the last partial batch kept.
Training time covers the gather, forward, loss, backward and update of every batch; loading
and standardizing the data are excluded.
"""
import argparse
import gzip
import json
import os
import re
import resource
import statistics
import time

import numpy as np
import torch

import openblas_env


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(args):
    t0 = time.perf_counter()
    if args.synthetic:
        g = np.random.default_rng(1)
        xtr = g.random((args.synthetic, 784), dtype=np.float32)
        ytr = g.integers(0, 10, args.synthetic)
        n_test = max(args.synthetic // 6, 1)
        xte = g.random((n_test, 784), dtype=np.float32)
        yte = g.integers(0, 10, n_test)
    else:
        d = args.data
        xtr = read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32)
        ytr = read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
        xte = read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32)
        yte = read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    mean = xtr.mean(axis=0)
    std = xtr.std(axis=0)
    std[std == 0] = 1.0
    xtr = (xtr - mean) / std
    xte = (xte - mean) / std
    out = (torch.from_numpy(np.ascontiguousarray(xtr)), torch.from_numpy(ytr.astype(np.int64)),
           torch.from_numpy(np.ascontiguousarray(xte)), torch.from_numpy(yte.astype(np.int64)))
    return out, time.perf_counter() - t0


def make_model(seed=42):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")  # He normal
            torch.nn.init.zeros_(m.bias)
    return model


def train_epoch(model, opt, x, y, batch, l2=0.0, m_total=None):
    """One epoch; returns the seconds of the training steps."""
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    perm = torch.randperm(n)
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        if l2 > 0:
            # (λ/2m)·Σ‖W‖², weights only, m = training-set size (as the C++ trainer).
            loss = loss + (l2 / (2 * m_total)) * sum((l.weight ** 2).sum() for l in model
                                                     if isinstance(l, torch.nn.Linear))
        loss.backward()
        opt.step()
    return time.perf_counter() - t0


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def mode_train(args, data):
    xtr, ytr, _, _ = data
    rows = []
    for b in args.batches:
        x, y = (xtr[:10000], ytr[:10000]) if b == 1 else (xtr, ytr)
        model = make_model()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        secs = train_epoch(model, opt, x, y, b)
        with torch.no_grad():
            loss = torch.nn.functional.cross_entropy(model(x), y).item()
        rows.append({"batch": b, "samples": x.shape[0], "seconds": secs,
                     "samples_per_second": x.shape[0] / secs, "train_loss": loss})
    return {"train": rows}


def mode_infer(args, data):
    _, _, xte, _ = data
    model = make_model().eval()
    n = xte.shape[0]
    times = []
    with torch.no_grad():
        for i in range(200):
            model(xte[i % n:i % n + 1])
        for i in range(max(2000, n)):
            xi = xte[i % n:i % n + 1]
            t0 = time.perf_counter()
            model(xi)
            times.append(time.perf_counter() - t0)
        best = 1e30
        for _ in range(20):
            t0 = time.perf_counter()
            model(xte)
            best = min(best, time.perf_counter() - t0)
    return {"infer": {"single_latency_us": statistics.median(times) * 1e6, "batched_samples": n,
                      "batched_seconds": best, "batched_samples_per_second": n / best}}


def mode_memory(args, data):
    xtr, ytr, xte, yte = data
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_epoch(model, opt, xtr, ytr, 128)
    acc = accuracy(model, xte, yte)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"memory": {"peak_rss_mib": rss, "test_accuracy": acc}}


def mode_tta(args, data):
    # examples/fashion_mnist.cpp: 13% dev hold-out (the default split rule for 60,000), Adam
    # 1e-3, batch 128, lr·0.85^epoch, l2 = 2; test accuracy after every epoch.
    xtr, ytr, xte, yte = data
    g = torch.Generator().manual_seed(42)
    perm = torch.randperm(xtr.shape[0], generator=g)
    n_dev = int(round(0.13 * xtr.shape[0])) if xtr.shape[0] >= 10000 else int(0.2 * xtr.shape[0])
    tr = perm[n_dev:]
    x, y = xtr[tr].contiguous(), ytr[tr].contiguous()
    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.85)
    total, reached, epoch_reached, acc = 0.0, False, 0, 0.0
    for epoch in range(1, args.epochs + 1):
        total += train_epoch(model, opt, x, y, 128, l2=2.0, m_total=x.shape[0])
        sched.step()
        acc = accuracy(model, xte, yte)
        if acc >= args.target:
            reached, epoch_reached = True, epoch
            break
    return {"tta": {"target": args.target, "reached": reached, "epoch": epoch_reached,
                    "train_seconds": total if reached else 0.0, "last_accuracy": acc}}


def libraries():
    """What runs the GEMMs of this process: versions, build settings, the OpenBLAS loaded."""
    cfg = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    lapack = re.search(r"LAPACK_INFO=([^,\s]+)", cfg)
    cap = re.search(r"CPU capability usage: (\S+)", cfg)
    par = re.search(r"ATen parallel backend: (.+)", torch.__config__.parallel_info())
    ob = openblas_env.loaded_openblas()
    return {"torch": torch.__version__, "numpy": np.__version__,
            "blas_info": blas.group(1) if blas else "?", "lapack_info": lapack.group(1) if lapack else "?",
            "cpu_capability": cap.group(1) if cap else "?",
            "parallel_backend": par.group(1).strip() if par else "?",
            "mkldnn": torch.backends.mkldnn.is_available(),
            "openblas": ob, "gemm": openblas_env.describe(ob),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="train", choices=["train", "infer", "memory", "tta", "info"])
    p.add_argument("--intra", type=int, default=None)
    p.add_argument("--batches", default="1,32,64,256,1024")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--synthetic", type=int, default=0)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--target", type=float, default=0.88)
    args = p.parse_args()
    args.batches = [int(b) for b in args.batches.split(",")]
    if args.intra is not None:
        torch.set_num_threads(args.intra)
    if args.mode == "info":
        print(json.dumps({"impl": "torch", "mode": "info", "libraries": libraries()}))
        return
    torch.manual_seed(0)
    data, load_seconds = load(args)
    body = {"train": mode_train, "infer": mode_infer, "memory": mode_memory,
            "tta": mode_tta}[args.mode](args, data)
    out = {"impl": "torch", "torch": torch.__version__, "intra_op_threads": torch.get_num_threads(),
           "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
           "mode": args.mode, "load_seconds": load_seconds, "libraries": libraries()}
    out.update(body)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
