#!/usr/bin/env python3
"""Cost model of data-parallel training (docs/distributed.md, "Cost model").

One step on N nodes with global batch B:
    compute   = t_sample * B / N                      (each rank its shard, no overlap)
    allreduce = alpha(N) + 2 (N-1)/N * bytes / beta   (ring all-reduce)
    alpha(N)  = 2 (N-1) * hop                         (a ring's 2(N-1) messages in sequence)
    efficiency = compute / (compute + allreduce)
and the smallest global batch with efficiency >= E is
    B >= N * E/(1-E) * allreduce / t_sample.

t_sample (forward + backward + update of one example, one core) is measured on this machine by
`mlp train` on random data with 784 inputs (--measure MLP), or taken from the value committed
below. Compute scales with the parameter count (each weight costs a multiply-add forward and
two backward), so the 10x wider network's t_sample is scaled by its parameter ratio.

    /usr/bin/python3 benchmarks/distributed_cost_model.py                  # the table
    /usr/bin/python3 benchmarks/distributed_cost_model.py --measure build/mlp
    /usr/bin/python3 benchmarks/distributed_cost_model.py --benchmark build/mlp   # step time vs N
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

# Measured with --measure on the development machine (2 cores, AVX-512, one OpenMP thread, while
# other builds ran on it: an upper bound):
# seconds per training example of the 784-256-128-10 network, batch 256.
T_SAMPLE_MEASURED = 95.8e-6

HOP_SECONDS = 10e-6         # one message's latency on Ethernet with TCP (per ring step)
BYTES_PER_VALUE = 8         # mlp sums the gradient in double (MPI_DOUBLE); float would halve it
EFFICIENCY = 0.80
NODES = [2, 4, 8, 16, 32, 64]
LINKS = {"10 Gb/s": 10e9 / 8, "100 Gb/s": 100e9 / 8}


def params(layers):
    return sum(a * b + b for a, b in zip(layers, layers[1:]))


NETWORKS = {
    "784-256-128-10": [784, 256, 128, 10],
    "784-2560-1280-10 (10x wider)": [784, 2560, 1280, 10],
}


def write_data(path, rows, features=784, classes=10):
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.random((rows, features), dtype=np.float32)
    y = rng.integers(0, classes, rows)
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(features)) + ",label\n")
        for r in range(rows):
            f.write(",".join(f"{v:.3f}" for v in x[r]) + f",{y[r]}\n")


def config(path, data, batch, epochs, hidden="[256, 128]"):
    with open(path, "w") as f:
        f.write(f'[data]\ntrain = "{data}"\ntarget = "label"\ntask = "classification"\n'
                f"split = [1.0, 0.0, 0.0]\n"
                f"[model]\nhidden = {hidden}\nactivation = \"relu\"\n"
                f"[train]\noptimizer = \"gd\"\nlearning_rate = 0.01\nbatch_size = {batch}\n"
                f"epochs = {epochs}\nseed = 1\nthreads = 1\n")


MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
          "--mca", "btl", "self,vader", "--mca", "btl_vader_single_copy_mechanism", "none",
          "-x", "OMP_NUM_THREADS=1"]


def train(mlp, cfg, out, ranks=1):
    cmd = [mlp, "train", cfg, "--out", out, "-q", "--json", "--no-lint"]
    if ranks > 1:
        cmd = MPIRUN + ["-np", str(ranks)] + cmd
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(r.stdout)


def measure(mlp):
    d = tempfile.mkdtemp()
    try:
        write_data(os.path.join(d, "x.csv"), 4096)
        config(os.path.join(d, "c.toml"), "x.csv", 256, 3)
        j = train(mlp, os.path.join(d, "c.toml"), os.path.join(d, "run"))
        return 1.0 / j["samples_per_second"]
    finally:
        shutil.rmtree(d)


def benchmark(mlp, ranks=(1, 2, 4)):
    d = tempfile.mkdtemp()
    try:
        write_data(os.path.join(d, "x.csv"), 4096)
        config(os.path.join(d, "c.toml"), "x.csv", 256, 2)
        print("| ranks | step time (ms) | all-reduce (ms/step) | samples/s |")
        print("|---:|---:|---:|---:|")
        steps = 2 * 4096 // 256
        for n in ranks:
            j = train(mlp, os.path.join(d, "c.toml"), os.path.join(d, f"run{n}"), n)
            print(f"| {n} | {1e3 * j['train_seconds'] / steps:.2f} | "
                  f"{1e3 * j['allreduce_seconds'] / steps:.2f} | {j['samples_per_second']:.0f} |")
    finally:
        shutil.rmtree(d)


def table(t_sample):
    base = params(NETWORKS["784-256-128-10"])
    print(f"t_sample = {t_sample * 1e6:.1f} us for {base} parameters; hop latency "
          f"{HOP_SECONDS * 1e6:.0f} us; {BYTES_PER_VALUE} bytes per gradient value; "
          f"efficiency target {EFFICIENCY:.0%}\n")
    print("| network | link | N | all-reduce (ms) | compute per sample (us) | "
          "min global batch | per rank |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, layers in NETWORKS.items():
        p = params(layers)
        ts = t_sample * p / base
        nbytes = p * BYTES_PER_VALUE
        for link, beta in LINKS.items():
            for n in NODES:
                ar = 2 * (n - 1) * HOP_SECONDS + 2 * (n - 1) / n * nbytes / beta
                b = n * EFFICIENCY / (1 - EFFICIENCY) * ar / ts
                print(f"| {name} ({p / 1e6:.2f} M, {nbytes / 1e6:.1f} MB) | {link} | {n} | "
                      f"{ar * 1e3:.2f} | {ts * 1e6:.0f} | {b:,.0f} | {b / n:,.0f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", metavar="MLP", help="measure t_sample with this mlp binary")
    ap.add_argument("--benchmark", metavar="MLP", help="step time vs ranks on this machine")
    a = ap.parse_args()
    if a.benchmark:
        benchmark(a.benchmark)
        return
    t = T_SAMPLE_MEASURED
    if a.measure:
        t = measure(a.measure)
        print(f"measured t_sample = {t * 1e6:.1f} us\n")
    table(t)


if __name__ == "__main__":
    sys.exit(main())
