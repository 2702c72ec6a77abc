#!/usr/bin/python3
"""fit time and accuracy of mlp.MLPClassifier against sklearn.neural_network.MLPClassifier with
the same architecture, optimizer, batch size and epochs, and the per-call overhead of predict on
one row. Prints a Markdown table (and --json writes the raw numbers).

  PYTHONPATH=build/python /usr/bin/python3 benchmarks/compare_sklearn.py [--quick] [--json out]

Workloads:
  fashion   Fashion-MNIST (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist):
            60000 training images, 10000 test, 784-256-128-10 ReLU, Adam lr 1e-3, batch 64
  digits    examples/data/digits_8x8.csv (1797 x 64, 10 classes; 80/20 split), 64-64-10 ReLU,
            Adam lr 1e-3, batch 32
Both estimators see the same float32 arrays and standardize them inside fit (mlp by itself,
scikit-learn through Pipeline([StandardScaler(), MLPClassifier(...)])); no L2 (alpha=0), no
early stopping, a fixed number of epochs (sklearn: max_iter with tol=0 and n_iter_no_change
=max_iter + 1, so that it never stops early). Each estimator runs in its own process with the
environment's OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed and the OpenBLAS kernel of
--openblas-core (benchmarks/openblas_env.py; default auto: the fastest, by a probe through
numpy, of OpenBLAS's own choice and the kernels the CPU's instruction set allows — an OpenBLAS
older than the CPU falls back to a generic kernel by itself; the kernel that ran is reported)
and the threads of --threads (default: each one's default, all cores). OMP_WAIT_POLICY is
passed on as it is: on a busy machine, run with OMP_WAIT_POLICY=passive (docs/python.md,
docs/performance.md).
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import openblas_env  # noqa: E402
FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(name, quick):
    if name == "fashion":
        Xtr = read_idx(f"{FASHION}/train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
        ytr = read_idx(f"{FASHION}/train-labels-idx1-ubyte.gz").astype(np.int64)
        Xte = read_idx(f"{FASHION}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32)
        yte = read_idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz").astype(np.int64)
        if quick:
            Xtr, ytr, Xte, yte = Xtr[:3000], ytr[:3000], Xte[:1000], yte[:1000]
        return Xtr, ytr, Xte, yte, dict(hidden=(256, 128), batch=64, epochs=2 if quick else 10)
    raw = np.genfromtxt(os.path.join(ROOT, "examples", "data", "digits_8x8.csv"), delimiter=",",
                        names=True, dtype=None, encoding="utf-8")
    cols = raw.dtype.names
    X = np.stack([raw[c] for c in cols[:-1]], axis=1).astype(np.float32)
    y = np.asarray(raw[cols[-1]])
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    cut = int(0.8 * len(X))
    tr, te = order[:cut], order[cut:]
    return X[tr], y[tr], X[te], y[te], dict(hidden=(64,), batch=32, epochs=5 if quick else 50)


def openblas_kernel():
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("internal_api") == "openblas":
                return f"OpenBLAS {lib.get('version')} {lib.get('architecture')} ({lib.get('num_threads')} threads)"
    except Exception as e:  # pragma: no cover
        return f"unknown ({e})"
    return "no OpenBLAS loaded"


def worker(which, name, quick, threads):
    Xtr, ytr, Xte, yte, w = load(name, quick)
    if which == "mlp":
        import mlp
        est = mlp.MLPClassifier(hidden=w["hidden"], activation="relu", optimizer="adam",
                                learning_rate=1e-3, batch_size=w["batch"], epochs=w["epochs"],
                                threads=threads)
        kernel = None
    else:
        from sklearn.neural_network import MLPClassifier
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        est = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier(
            hidden_layer_sizes=w["hidden"], activation="relu", solver="adam",
            learning_rate_init=1e-3, batch_size=w["batch"], max_iter=w["epochs"], alpha=0.0,
            shuffle=True, tol=0.0, n_iter_no_change=w["epochs"] + 1, random_state=0))])
        kernel = None
    import warnings
    warnings.simplefilter("ignore")  # sklearn's ConvergenceWarning at max_iter
    t = time.perf_counter()
    est.fit(Xtr, ytr)
    fit_s = time.perf_counter() - t
    acc = float((est.predict(Xte) == yte).mean())
    one = Xte[:1]
    for _ in range(50):
        est.predict(one)
    times = []
    for _ in range(1000):
        t = time.perf_counter()
        est.predict(one)
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    est.predict(Xte)
    batch_s = time.perf_counter() - t
    if which == "mlp":
        import mlp
        kernel = f"mlp (GEMM per size class: Eigen, oneDNN or libxsmm, {mlp.threads()} thread(s))"
    else:
        kernel = openblas_kernel()
    print(json.dumps({"fit_s": fit_s, "accuracy": acc, "predict_one_us": statistics.median(times) * 1e6,
                      "predict_test_s": batch_s, "epochs": w["epochs"], "train": len(Xtr),
                      "test": len(Xte), "kernel": kernel}))


def run(which, name, quick, threads, choice):
    env = openblas_env.measured_env(choice)
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        env.pop(k, None)
    if threads:
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", which, "--workload", name,
           "--threads", str(threads)]
    if quick:
        cmd.append("--quick")
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small subsets, few epochs (a smoke run)")
    p.add_argument("--json", default=None)
    p.add_argument("--workloads", default="fashion,digits")
    p.add_argument("--threads", type=int, default=0,
                   help="threads of both (mlp threads; OPENBLAS_NUM_THREADS and OMP_NUM_THREADS "
                        "for scikit-learn); 0 = each one's default (all cores)")
    p.add_argument("--openblas-core", default="auto",
                   help="OpenBLAS kernel of both processes: auto (the fastest of OpenBLAS's own "
                        "choice and the kernels the CPU allows, by a probe), detect (OpenBLAS's "
                        "own choice), inherit (the environment as it is) or a core name")
    p.add_argument("--worker", choices=["mlp", "sklearn"], help=argparse.SUPPRESS)
    p.add_argument("--workload", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.worker:
        worker(a.worker, a.workload, a.quick, a.threads)
        return
    print("choosing the OpenBLAS kernel of the measured processes:", file=sys.stderr)
    choice = openblas_env.choose("numpy", a.openblas_core, quick=a.quick,
                                 log=lambda m: print(m, file=sys.stderr, flush=True))
    results = {}
    for name in a.workloads.split(","):
        results[name] = {w: run(w, name, a.quick, a.threads, choice) for w in ("mlp", "sklearn")}
    print(openblas_env.summary(choice) + "\n")
    print("| workload | estimator | epochs | fit (s) | test accuracy | predict 1 row (µs) | kernel |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, r in results.items():
        for w in ("mlp", "sklearn"):
            x = r[w]
            print(f"| {name} ({x['train']} train / {x['test']} test) | {w} | {x['epochs']} | "
                  f"{x['fit_s']:.2f} | {x['accuracy']:.4f} | {x['predict_one_us']:.1f} | {x['kernel']} |")
        m, s = r["mlp"], r["sklearn"]
        print(f"| {name} | **sklearn / mlp** | | **{s['fit_s'] / m['fit_s']:.1f}×** | "
              f"{m['accuracy'] - s['accuracy']:+.4f} | **{s['predict_one_us'] / m['predict_one_us']:.1f}×** | |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(dict(results, openblas_env=choice), f, indent=2)


if __name__ == "__main__":
    main()
