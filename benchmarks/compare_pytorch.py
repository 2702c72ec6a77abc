#!/usr/bin/python3
"""Runs the workloads for mlp (bench_workloads) and PyTorch (torch_workloads.py) and prints
a Markdown table with the ratio mlp / PyTorch per row (for latency and memory: PyTorch / mlp,
so that > 1 always means mlp is better).

  /usr/bin/python3 benchmarks/compare_pytorch.py [--build build] [--json out.json] [--quick]
        [--omp-wait-policy active|passive] [--openblas-core auto|detect|inherit|CORE]
        [--background-load N] [--cli-batches 64,1024] [--cli-epochs 4]

Thread settings, pinned explicitly on both sides:
  mlp, 1 thread     bench_workloads --threads 1 (mlp::set_threads(1); OMP_NUM_THREADS=1)
  mlp, 2 threads    bench_workloads --threads 2
  PyTorch, 1 thread OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1)
  PyTorch, default  nothing set: what Debian's torch does by itself (reported in the JSON)
  PyTorch, 2+2      OPENBLAS_NUM_THREADS=2 and torch.set_num_threads(2)
The 1-thread rows compare mlp with PyTorch on 1 thread; the 2-thread rows compare mlp with the
faster of PyTorch's default and 2+2 settings.

OpenBLAS kernel (benchmarks/openblas_env.py): every measured process — PyTorch's, and mlp's
should it load OpenBLAS — starts without the environment's kernel pin (OPENBLAS_CORETYPE,
OPENBLAS_L2_SIZE, set for the tests and CI). With --openblas-core auto (the default) a probe
times the layer GEMMs with OpenBLAS's own kernel choice and with each kernel the CPU's
instruction set allows, and all measured processes run the fastest; `detect` keeps OpenBLAS's
own choice, `inherit` the environment as it is, a core name forces that core. The versions and
the kernel that actually ran (read through ctypes inside the PyTorch process) are printed above
the table and written to the JSON.

Two more row sets:
  mlp train        the CLI as a whole process (scripts/config as a user runs it) against the
                   library loop: per-epoch wall time of `mlp train` beside bench_workloads'
                   training row of the same batch and threads, and the CLI's peak RSS.
  busy machine     with --background-load N: N CPU-bound processes run while mlp and PyTorch
                   train at batch 64 on 1 and 2 threads; the ratio 2 threads / 1 thread says
                   whether a second thread still pays when the cores are shared.
  more threads     mlp with twice as many threads as the process has cores (threads = 2 x cores)
                   at batch 64 and 1024, against the 2-thread rows: throughput must not drop
                   when `threads` grows past the cores (mlp computes on min(threads, cores)).
"""
import argparse
import ctypes
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import openblas_env  # noqa: E402

FASHION = "/usr/share/datasets/fashion-mnist"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, env_extra, base_env):
    env = dict(base_env)
    for k in THREAD_VARS:
        env.pop(k, None)
    env.update(env_extra)
    log("$ " + " ".join(f"{k}={v}" for k, v in env_extra.items()) + " " + " ".join(cmd))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def load_average():
    try:
        up = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        up = ""
    return {"loadavg": list(os.getloadavg()), "uptime": up}


# ---------------------------------------------------------------------------------------------
# Background load: CPU-bound competitors for the busy-machine rows.

def _die_with_parent():
    """In the child before exec: SIGKILL it when the process that started it dies, so that not
    even a SIGKILL of the benchmark leaves a busy loop behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class BackgroundLoad:
    """n processes spinning `while True: pass` while the context is open; each is killed and
    reaped on leaving it, also on an exception or Ctrl-C (KeyboardInterrupt)."""

    def __init__(self, n, python=sys.executable):
        self.n, self.python, self.procs = n, python, []

    def __enter__(self):
        try:
            for _ in range(self.n):
                self.procs.append(subprocess.Popen(
                    [self.python, "-c", "while True: pass"], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent))
        except BaseException:
            self.stop()
            raise
        return self

    def pids(self):
        return [p.pid for p in self.procs]

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []

    def __exit__(self, *exc):
        self.stop()
        return False


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# ---------------------------------------------------------------------------------------------
# `mlp train` as a whole process.

EPOCH_LINE = re.compile(r"^epoch\s+(\d+)/(\d+)\b")
HEADER_LINE = re.compile(r"^mlp train: (\d+) train\b")


def epoch_walls(stamped_lines):
    """Per-epoch wall times from (time, stderr line) pairs of `mlp train`, epochs 1..E.

    mlp train prints its "mlp train: N train / ..." line right before the trainer starts (data
    read and standardized, lint passed, model built, run directory claimed) and one "epoch
    k/E" line at the end of each epoch, so epoch 1 is the interval from the first line to the
    "epoch 1/E" line and epoch k the interval between the lines of epochs k-1 and k. Each holds
    one whole cycle of what the process does per epoch — the training steps with the default
    gradient-norm monitoring, the per-epoch metrics, the metrics files, the checkpoint, the
    progress line — and nothing of what it does once (reading and standardizing the data,
    linting, building the model, the final evaluation, the model, report and summary files)."""
    marks = []
    for t, line in stamped_lines:
        if HEADER_LINE.match(line) and not marks:
            marks.append((0, t))
        elif m := EPOCH_LINE.match(line):
            marks.append((int(m.group(1)), t))
    return [b[1] - a[1] for a, b in zip(marks, marks[1:]) if b[0] == a[0] + 1]


def write_idx_subset(out_dir, n_train, n_test, source=FASHION):
    """The first n images and labels of the Fashion-MNIST files, as IDX files (quick runs)."""
    def cut(name, n):
        with gzip.open(os.path.join(source, name), "rb") as f:
            data = f.read()
        dims = data[3]
        shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
        item = 1
        for s in shape[1:]:
            item *= s
        head = bytearray(data[:4 + 4 * dims])
        head[4:8] = min(n, shape[0]).to_bytes(4, "big")
        body = data[4 + 4 * dims:4 + 4 * dims + min(n, shape[0]) * item]
        with gzip.open(os.path.join(out_dir, name), "wb") as f:
            f.write(bytes(head) + body)
    for name, n in (("train-images-idx3-ubyte.gz", n_train), ("train-labels-idx1-ubyte.gz", n_train),
                    ("t10k-images-idx3-ubyte.gz", n_test), ("t10k-labels-idx1-ubyte.gz", n_test)):
        cut(name, n)
    return out_dir


def write_idx_random(out_dir, n_train, n_test, seed=1):
    """Random 28x28 images and labels 0-9 as IDX files (quick runs without Fashion-MNIST)."""
    import random
    rng = random.Random(seed)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = bytes([0, 0, 8, 3]) + b"".join(v.to_bytes(4, "big") for v in (n, 28, 28)) + \
            rng.randbytes(n * 784)
        labels = bytes([0, 0, 8, 1]) + n.to_bytes(4, "big") + bytes(rng.randrange(10) for _ in range(n))
        with gzip.open(os.path.join(out_dir, f"{prefix}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(images)
        with gzip.open(os.path.join(out_dir, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(labels)
    return out_dir


def cli_config(data_dir, batch, threads, epochs):
    # The training workload of bench_workloads (784-256-128-10 ReLU, softmax cross-entropy,
    # He-normal, Adam 1e-3, seed 42) on the whole training file: split [1, 0, 0], so an epoch
    # trains on as many examples as the library loop's and evaluates no dev set; the test file
    # is evaluated once, after training. Everything else is mlp train's default, as a user gets
    # it: gradient-norm monitoring, a checkpoint every epoch, metrics files, progress lines.
    d = data_dir
    return f"""[data]
train = "{d}/train-images-idx3-ubyte.gz"
train_labels = "{d}/train-labels-idx1-ubyte.gz"
test = "{d}/t10k-images-idx3-ubyte.gz"
test_labels = "{d}/t10k-labels-idx1-ubyte.gz"
split = [1, 0, 0]

[model]
hidden = [256, 128]
activation = "relu"
init = "he_normal"

[train]
loss = "cross_entropy"
optimizer = "adam"
learning_rate = 0.001
batch_size = {batch}
epochs = {epochs}
seed = 42
threads = {threads}
"""


def cli_train(mlp_bin, data_dir, batch, threads, epochs, env, work_dir):
    """Runs `mlp train` once; returns its per-epoch wall times, the step time of the same
    epochs (metrics.jsonl "seconds": the trainer's step timer, the library loop's measure),
    the number of training examples and the peak RSS of the process (ru_maxrss from wait4)."""
    run_dir = os.path.join(work_dir, f"run-b{batch}-t{threads}")
    cfg = os.path.join(work_dir, f"b{batch}-t{threads}.toml")
    with open(cfg, "w") as f:
        f.write(cli_config(data_dir, batch, threads, epochs))
    cmd = [mlp_bin, "train", cfg, "--out", run_dir, "--force", "--json"]
    log("$ " + " ".join(f"{k}={env[k]}" for k in ("OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
                                                    "OMP_WAIT_POLICY") if k in env)
        + " " + " ".join(cmd))
    stdout_path = os.path.join(work_dir, f"b{batch}-t{threads}.json")
    t0 = time.monotonic()
    with open(stdout_path, "w") as out:
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.PIPE, text=True, bufsize=1)
        lines = []
        try:
            for line in iter(p.stderr.readline, ""):
                lines.append((time.monotonic(), line.rstrip("\n")))
        finally:
            p.stderr.close()
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}:\n"
                           + "\n".join(l for _, l in lines[-20:]))
    walls = epoch_walls(lines)
    if len(walls) != epochs:
        raise RuntimeError(f"{' '.join(cmd)}: {len(walls)} of {epochs} epochs timed from its "
                           "stderr:\n" + "\n".join(l for _, l in lines[-20:]))
    n_train = next((int(m.group(1)) for _, l in lines if (m := HEADER_LINE.match(l))), None)
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        epochs_m = [json.loads(l) for l in f if l.strip()]
    steps = [e["seconds"] for e in epochs_m]
    with open(stdout_path) as f:
        summary = json.load(f)  # --json: one (indented) object on stdout
    return {"batch": batch, "threads": threads, "epochs": epochs, "train_examples": n_train,
            "epoch_wall_seconds": walls, "epoch_step_seconds": steps,
            # The CLI's own cost per epoch beyond the training steps, all epochs.
            "wall_over_steps": sum(walls) / sum(steps),
            "later_epochs_wall_mean": sum(walls[1:]) / len(walls[1:]) if epochs > 1 else None,
            "process_wall_seconds": wall, "peak_rss_bytes": ru.ru_maxrss * 1024,
            "cli_samples_per_second": summary.get("samples_per_second")}


def linked_openblas(binary):
    """The OpenBLAS (or libblas) a binary is linked to, from ldd; None if none."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        return None
    for line in out.splitlines():
        if "openblas" in line or "libblas" in line:
            return line.strip()
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--json", default=None, help="also write all raw results here")
    p.add_argument("--quick", action="store_true", help="tiny data (a smoke run)")
    p.add_argument("--batches", default="1,32,64,256,1024")
    p.add_argument("--omp-wait-policy", choices=["active", "passive"], default=None,
                   help="OMP_WAIT_POLICY for both sides (default: unset, libgomp spins a while "
                        "before sleeping; 'passive' is the robust choice on a busy machine)")
    p.add_argument("--openblas-core", default="auto",
                   help="OpenBLAS kernel of the measured processes: auto (the fastest of "
                        "OpenBLAS's own choice and the kernels the CPU allows, by a probe), "
                        "detect (OpenBLAS's own choice), inherit (the environment's pin as it "
                        "is) or a core name such as SkylakeX")
    p.add_argument("--background-load", type=int, default=0, metavar="N",
                   help="also measure training at batch 64 on 1 and 2 threads while N "
                        "CPU-bound processes run (the busy-machine rows)")
    p.add_argument("--cli-batches", default="64,1024",
                   help="batch sizes of the `mlp train` rows (empty: none)")
    p.add_argument("--cli-epochs", type=int, default=None,
                   help="epochs of each `mlp train` run (default 4; --quick 2)")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, _raise_interrupt)  # so that every finally runs
    signal.signal(signal.SIGHUP, _raise_interrupt)

    load_before = load_average()
    log(f"load before: {load_before['uptime']}")
    mlp = [os.path.join(args.build, "benchmarks", "bench_workloads")]
    mlp_cli = os.path.join(args.build, "mlp")
    torch = ["/usr/bin/python3", os.path.join(HERE, "torch_workloads.py")]
    common = ["--batches", args.batches]
    if args.quick:
        common += ["--synthetic", "2000", "--epochs", "1", "--target", "0"]

    log("choosing the OpenBLAS kernel of the measured processes:")
    choice = openblas_env.choose("torch", args.openblas_core, quick=args.quick, log=log)
    base_env = openblas_env.measured_env(choice)

    settings = {
        "mlp1": (mlp + ["--threads", "1"], {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}),
        "mlp2": (mlp + ["--threads", "2"], {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "1"}),
        "torch1": (torch + ["--intra", "1"], {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}),
        "torch_default": (torch, {}),
        "torch22": (torch + ["--intra", "2"], {"OPENBLAS_NUM_THREADS": "2"}),
        "mlp_over": (mlp + ["--threads", str(2 * len(os.sched_getaffinity(0)))],
                     {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}),
    }
    if args.omp_wait_policy:
        for _, env in settings.values():
            env["OMP_WAIT_POLICY"] = args.omp_wait_policy
    raw = {}

    def get(setting, mode, extra=(), tag=""):
        key = f"{setting}:{mode}{tag}"
        if key not in raw:
            cmd, env = settings[setting]
            extra_args = list(extra) if extra else common
            raw[key] = run(cmd + ["--mode", mode] + extra_args, env, base_env)
        return raw[key]

    info = run(torch + ["--mode", "info"], {}, base_env)["libraries"]

    rows = []  # (workload, threads, mlp value, torch value, torch setting, ratio, target)
    batches = [int(b) for b in args.batches.split(",")]
    targets = {1: 3.0, 32: 2.0, 64: 2.0, 256: 1.3, 1024: 1.15}  # docs/performance.md, "Targets"
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
            target = f">= {targets[b]}x"
            rows.append((f"train batch {b} (samples/s)", threads, f"{m[b]:,.0f}", f"{t:,.0f}",
                         s_best, f"{m[b] / t:.2f}x", target))

    for threads in (1, 2):
        mi = get(f"mlp{threads}", "infer")["infer"]
        names = ["torch1"] if threads == 1 else ["torch_default", "torch22"]
        ti = {s: get(s, "infer")["infer"] for s in names}
        s_lat = min(ti, key=lambda s: ti[s]["single_latency_us"])
        rows.append(("inference, 1 sample (µs, median)", threads, f"{mi['single_latency_us']:.2f}",
                     f"{ti[s_lat]['single_latency_us']:.2f}", s_lat,
                     f"{ti[s_lat]['single_latency_us'] / mi['single_latency_us']:.2f}x", "<= 5 µs"))
        s_thr = max(ti, key=lambda s: ti[s]["batched_samples_per_second"])
        rows.append((f"inference, {mi['batched_samples']} samples (samples/s)", threads,
                     f"{mi['batched_samples_per_second']:,.0f}",
                     f"{ti[s_thr]['batched_samples_per_second']:,.0f}", s_thr,
                     f"{mi['batched_samples_per_second'] / ti[s_thr]['batched_samples_per_second']:.2f}x",
                     ">= 1.3x"))

    mm = get("mlp2", "memory")["memory"]
    tm = get("torch_default", "memory")["memory"]
    rows.append(("peak RSS, full run (MiB)", 2, f"{mm['peak_rss_mib']:.0f}", f"{tm['peak_rss_mib']:.0f}",
                 "torch_default", f"{tm['peak_rss_mib'] / mm['peak_rss_mib']:.2f}x", "-"))

    mt = get("mlp2", "tta")["tta"]
    tt = get("torch_default", "tta")["tta"]

    def tta(r):
        return f"{r['train_seconds']:.1f} s (epoch {r['epoch']})" if r["reached"] else \
            f"not reached ({r['last_accuracy']:.4f})"
    ratio = f"{tt['train_seconds'] / mt['train_seconds']:.2f}x" if mt["reached"] and tt["reached"] else "-"
    rows.append((f"time to test accuracy {mt['target']}", 2, tta(mt), tta(tt), "torch_default", ratio, "-"))

    # `mlp train`, the whole process, against the library loop of the same batch and threads.
    cli_rows = []
    cli_batches = [int(b) for b in args.cli_batches.split(",") if b.strip()]
    cli_epochs = args.cli_epochs or (2 if args.quick else 4)
    if cli_batches:
        with tempfile.TemporaryDirectory(prefix="mlp-bench-cli-") as work:
            if not args.quick:
                data_dir = FASHION
            elif os.path.exists(os.path.join(FASHION, "train-images-idx3-ubyte.gz")):
                data_dir = write_idx_subset(work, 2000, 500)
            else:
                data_dir = write_idx_random(work, 2000, 500)
            for threads in (1, 2):
                _, tenv = settings[f"mlp{threads}"]
                env = dict(base_env)
                for k in THREAD_VARS:
                    env.pop(k, None)
                env.update(tenv)
                for b in cli_batches:
                    c = cli_train(mlp_cli, data_dir, b, threads, cli_epochs, env, work)
                    lib = next((r for r in get(f"mlp{threads}", "train")["train"]
                                if r["batch"] == b), None)
                    if lib is None:  # a batch the main rows did not run
                        lib = next(r for r in get(f"mlp{threads}", "train",
                                                  ["--batches", str(b)] + common[2:],
                                                  f"@{b}")["train"] if r["batch"] == b)
                    # The library loop's time for an epoch of the CLI's size (both train on
                    # the whole training file in a full run; quick runs differ in size). The
                    # library loop times one epoch from fresh weights, so the ratio takes the
                    # CLI's first epoch: the same work, and no epoch-to-epoch drift enters.
                    c["library_samples_per_second"] = lib["samples_per_second"]
                    c["library_epoch_seconds"] = c["train_examples"] / lib["samples_per_second"]
                    c["ratio"] = c["epoch_wall_seconds"][0] / c["library_epoch_seconds"]
                    cli_rows.append(c)

    # More threads than cores: the 2-thread rows against threads = 2 x cores, batch 64 and 1024.
    over_batches = [b for b in (64, 1024) if b in batches]
    over = None
    if over_batches:
        over_common = ["--batches", ",".join(str(b) for b in over_batches)] + common[2:]
        r = get("mlp_over", "train", over_common, "@over")
        over = {"threads": int(settings["mlp_over"][0][-1]), "rows": []}
        base = {x["batch"]: x["samples_per_second"] for x in get("mlp2", "train")["train"]}
        for x in r["train"]:
            over["rows"].append({"batch": x["batch"], "samples_per_second": x["samples_per_second"],
                                 "two_threads": base[x["batch"]],
                                 "ratio": x["samples_per_second"] / base[x["batch"]]})

    # Busy machine: N CPU-bound competitors while training at batch 64 on 1 and 2 threads.
    busy = None
    if args.background_load > 0:
        n = args.background_load
        busy_common = ["--batches", "64"] + common[2:]
        busy = {"competitors": n, "runs": {}}
        with BackgroundLoad(n) as load:
            log(f"busy machine: {n} CPU-bound process(es) running, pids {load.pids()}")
            time.sleep(0.5)  # let them reach full speed
            busy["load_during"] = load_average()
            for s in ("mlp1", "mlp2", "torch1", "torch22"):
                cmd, env = settings[s]
                busy["runs"][s] = run(cmd + ["--mode", "train"] + busy_common, env, base_env)
        sps = {s: r["train"][0]["samples_per_second"] for s, r in busy["runs"].items()}
        busy["mlp_2_vs_1"] = sps["mlp2"] / sps["mlp1"]
        busy["torch_2_vs_1"] = sps["torch22"] / sps["torch1"]

    load_after = load_average()
    log(f"load after: {load_after['uptime']}")

    # ---- output ---------------------------------------------------------------------------
    torch_cores = sorted({(r.get("libraries") or {}).get("openblas", {}).get("corename", "?")
                          for k, r in raw.items() if k.startswith("torch")})
    ob = info.get("openblas") or {}
    try:
        deb = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                             capture_output=True, text=True).stdout.strip()
    except OSError:
        deb = ""
    print(f"PyTorch {info['torch']}{f' (Debian python3-torch {deb})' if deb else ''}, "
          f"numpy {info['numpy']}; torch BLAS_INFO={info['blas_info']}, CPU capability "
          f"{info['cpu_capability']}, ATen parallel backend {info['parallel_backend']}; "
          f"PyTorch's GEMMs ran on {openblas_env.describe(ob).split(' (')[0]} "
          f"({ob.get('path', '?')}; \"{ob.get('config', '?')}\"; core reported by every "
          f"PyTorch process: {', '.join(torch_cores)}).")
    mlp_blas = linked_openblas(mlp[0])
    print(f"mlp: bench_workloads and mlp train {'link ' + mlp_blas if mlp_blas else 'link no OpenBLAS'}"
          " and run under the same OpenBLAS environment.")
    print(openblas_env.summary(choice))
    print(f"Load average (uptime) before: {', '.join(f'{x:.2f}' for x in load_before['loadavg'])}; "
          f"after: {', '.join(f'{x:.2f}' for x in load_after['loadavg'])}.\n")

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

    if cli_rows:
        print(f"\n`mlp train` as a whole process ({cli_epochs} epochs) against the library "
              "loop (bench_workloads' training row of the same batch and threads):\n")
        print("| batch | threads | library loop, 1 epoch (s) | library samples/s | `mlp train` "
              "epoch 1 wall (s) | CLI / library | target | `mlp train` wall / steps, all "
              f"epochs | `mlp train` epochs 2..{cli_epochs} wall, mean (s) | peak RSS of "
              "`mlp train` (MB) | target |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for c in cli_rows:
            later = f"{c['later_epochs_wall_mean']:.3f}" if c["later_epochs_wall_mean"] else "-"
            print(f"| {c['batch']} | {c['threads']} | {c['library_epoch_seconds']:.3f} | "
                  f"{c['library_samples_per_second']:,.0f} | {c['epoch_wall_seconds'][0]:.3f} | "
                  f"{c['ratio']:.2f}x | <= 1.1x | {c['wall_over_steps']:.3f} | {later} | "
                  f"{c['peak_rss_bytes'] / 1e6:.0f} | <= 300 |")
        if args.quick:
            print("\n(--quick: 2,000 training images for `mlp train`, 2,000 random examples for "
                  "the library loop: the ratio is not meaningful.)")

    if over:
        print(f"\nMore threads than cores: threads = {over['threads']} on "
              f"{len(os.sched_getaffinity(0))} core(s), against threads = 2 (the rows above):\n")
        print("| train batch | threads = 2 (samples/s) | "
              f"threads = {over['threads']} (samples/s) | ratio | target |")
        print("|---|---|---|---|---|")
        for x in over["rows"]:
            print(f"| {x['batch']} | {x['two_threads']:,.0f} | {x['samples_per_second']:,.0f} | "
                  f"{x['ratio']:.2f}x | no drop (~1.0x) |")

    if busy:
        n = busy["competitors"]
        s = {k: r["train"][0]["samples_per_second"] for k, r in busy["runs"].items()}
        word = NUMBER_WORDS.get(n, str(n))
        print(f"\nBusy machine: {n} CPU-bound process(es) (`while True: pass`) running; load "
              f"average during: {busy['load_during']['loadavg'][0]:.2f}.\n")
        print("| workload | impl | 1 thread (samples/s) | 2 threads (samples/s) | 2 threads vs 1 | target |")
        print("|---|---|---|---|---|---|")
        print(f"| {word} CPU-bound competitor{'s' if n != 1 else ''}, 2 threads vs 1 thread, "
              f"train batch 64 | mlp | {s['mlp1']:,.0f} | {s['mlp2']:,.0f} | "
              f"{busy['mlp_2_vs_1']:.2f}x | >= 0.8x |")
        print(f"| {word} CPU-bound competitor{'s' if n != 1 else ''}, 2 threads vs 1 thread, "
              f"train batch 64 | PyTorch (torch1 / torch22) | {s['torch1']:,.0f} | "
              f"{s['torch22']:,.0f} | {busy['torch_2_vs_1']:.2f}x | - |")

    if args.json:
        out = dict(raw)
        out.update({"libraries": info, "openblas_env": choice, "mlp_links_openblas": mlp_blas,
                    "load_before": load_before, "load_after": load_after,
                    "omp_wait_policy": args.omp_wait_policy, "quick": args.quick,
                    "cli_train": cli_rows, "busy": busy, "more_threads": over,
                    "table": rows})
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
