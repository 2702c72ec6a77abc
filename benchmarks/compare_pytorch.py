#!/usr/bin/python3
"""Runs the workloads for mlp (bench_workloads) and PyTorch (torch_workloads.py) and prints
a Markdown table with the ratio mlp / PyTorch per row (for latency and memory: PyTorch / mlp,
so that > 1 always means mlp is better).

  /usr/bin/python3 benchmarks/compare_pytorch.py [--build build] [--json out.json] [--quick]

Thread settings, pinned explicitly on both sides:
  mlp, 1 thread     bench_workloads --threads 1 (mlp::set_threads(1); OMP_NUM_THREADS=1)
  mlp, 2 threads    bench_workloads --threads 2
  PyTorch, 1 thread OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1)
  PyTorch, default  nothing set: what Debian's torch does by itself (reported in the JSON)
  PyTorch, 2+2      OPENBLAS_NUM_THREADS=2 and torch.set_num_threads(2)
The 1-thread rows compare mlp with PyTorch on 1 thread; the 2-thread rows compare mlp with the
faster of PyTorch's default and 2+2 settings.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run(cmd, env_extra):
    env = dict(os.environ)
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.pop(k, None)
    env.update(env_extra)
    print("$ " + " ".join(f"{k}={v}" for k, v in env_extra.items()) + " " + " ".join(cmd),
          file=sys.stderr, flush=True)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json", default=None, help="also write all raw results here")
    p.add_argument("--quick", action="store_true", help="tiny synthetic data (a smoke run)")
    p.add_argument("--batches", default="1,32,64,256,1024")
    p.add_argument("--omp-wait-policy", choices=["active", "passive"], default=None,
                   help="OMP_WAIT_POLICY for both sides (default: unset, libgomp spins a while "
                        "before sleeping; 'passive' is the robust choice on a busy machine)")
    args = p.parse_args()

    mlp = [os.path.join(args.build, "benchmarks", "bench_workloads")]
    torch = ["/usr/bin/python3", os.path.join(HERE, "torch_workloads.py")]
    common = ["--batches", args.batches]
    if args.quick:
        common += ["--synthetic", "2000", "--epochs", "1", "--target", "0"]

    settings = {
        "mlp1": (mlp + ["--threads", "1"], {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}),
        "mlp2": (mlp + ["--threads", "2"], {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}),
        "torch1": (torch + ["--intra", "1"], {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}),
        "torch_default": (torch, {}),
        "torch22": (torch + ["--intra", "2"], {"OPENBLAS_NUM_THREADS": "2"}),
    }
    if args.omp_wait_policy:
        for _, env in settings.values():
            env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    raw = {}

    def get(setting, mode):
        key = f"{setting}:{mode}"
        if key not in raw:
            cmd, env = settings[setting]
            raw[key] = run(cmd + ["--mode", mode] + common, env)
        return raw[key]

    rows = []  # (workload, threads, mlp value, torch value, torch setting, ratio, target)

    def best_torch(mode, value):
        cands = [(value(get(s, mode)), s) for s in ("torch_default", "torch22")]
        return cands

    batches = [int(b) for b in args.batches.split(",")]
    targets = {1: 3.0, 32: 2.0, 64: 2.0, 256: 1.3}
    for threads in (1, 2):
        m = {r["batch"]: r["samples_per_second"] for r in get(f"mlp{threads}", "train")["train"]}
        if threads == 1:
            tv = {"torch1": {r["batch"]: r["samples_per_second"] for r in get("torch1", "train")["train"]}}
        else:
            tv = {s: {r["batch"]: r["samples_per_second"] for r in get(s, "train")["train"]}
                  for s in ("torch_default", "torch22")}
        for b in batches:
            s_best = max(tv, key=lambda s: tv[s][b])
            t = tv[s_best][b]
            roof = threads * 100e3
            target = f">= {targets[b]}x" if b in targets else f">= 90% roofline ({0.9 * roof / 1e3:.0f}k)"
            rows.append((f"train batch {b} (samples/s)", threads, f"{m[b]:,.0f}", f"{t:,.0f}",
                         s_best, f"{m[b] / t:.2f}x", target))

    for threads in (1, 2):
        mi = get(f"mlp{threads}", "infer")["infer"]
        names = ["torch1"] if threads == 1 else ["torch_default", "torch22"]
        ti = {s: get(s, "infer")["infer"] for s in names}
        s_lat = min(ti, key=lambda s: ti[s]["single_latency_us"])
        rows.append(("inference, 1 sample (µs, median)", threads, f"{mi['single_latency_us']:.2f}",
                     f"{ti[s_lat]['single_latency_us']:.2f}", s_lat,
                     f"{ti[s_lat]['single_latency_us'] / mi['single_latency_us']:.2f}x", "<= 10 µs"))
        s_thr = max(ti, key=lambda s: ti[s]["batched_samples_per_second"])
        rows.append((f"inference, {mi['batched_samples']} samples (samples/s)", threads,
                     f"{mi['batched_samples_per_second']:,.0f}",
                     f"{ti[s_thr]['batched_samples_per_second']:,.0f}", s_thr,
                     f"{mi['batched_samples_per_second'] / ti[s_thr]['batched_samples_per_second']:.2f}x",
                     ">= 1.3x"))

    mm = get("mlp2", "memory")["memory"]
    tm = get("torch_default", "memory")["memory"]
    rows.append(("peak RSS, full run (MiB)", 2, f"{mm['peak_rss_mib']:.0f}", f"{tm['peak_rss_mib']:.0f}",
                 "torch_default", f"{tm['peak_rss_mib'] / mm['peak_rss_mib']:.2f}x", "<= 0.5x (>= 2x here)"))

    mt = get("mlp2", "tta")["tta"]
    tt = get("torch_default", "tta")["tta"]

    def tta(r):
        return f"{r['train_seconds']:.1f} s (epoch {r['epoch']})" if r["reached"] else \
            f"not reached ({r['last_accuracy']:.4f})"
    ratio = f"{tt['train_seconds'] / mt['train_seconds']:.2f}x" if mt["reached"] and tt["reached"] else "-"
    rows.append((f"time to test accuracy {mt['target']}", 2, tta(mt), tta(tt), "torch_default", ratio, "-"))

    print("| workload | threads | mlp | PyTorch | PyTorch setting | ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    d = get("torch_default", "infer")
    print(f"\nPyTorch {d['torch']} default setting: {d['intra_op_threads']} intra-op thread(s), "
          f"OpenBLAS threads {d['openblas_threads']}. Ratios: mlp/PyTorch for throughput, "
          "PyTorch/mlp for latency, memory and time (> 1: mlp better).")
    if args.omp_wait_policy:
        print(f"OMP_WAIT_POLICY={args.omp_wait_policy} on both sides.")
    print(f"mlp's fork/join of 2 threads costs {get('mlp2', 'train')['parallel_handoff_us']:.1f} µs "
          "here (mlp::parallel_handoff_seconds).")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
