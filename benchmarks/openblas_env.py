#!/usr/bin/python3
"""The OpenBLAS environment of the comparison scripts (compare_pytorch.py, compare_sklearn.py).

The test and CI environment may pin OpenBLAS's kernel (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), a
safety setting for old OpenBLAS builds that would otherwise misdetect a CPU. A benchmark must
not run a competitor on a pinned kernel, so every measured process (the competitor's and mlp's
own, should mlp load OpenBLAS) starts with both variables removed. OpenBLAS then picks its
kernel itself — but an OpenBLAS older than the CPU does not recognise it and falls back to a
generic kernel (Debian's 0.3.21 runs its SSE3 "Prescott" kernel on Intel family 6 model 207,
a third of the speed of its AVX-512 one). So the default policy, `auto`, measures: a fresh
process times the GEMMs of the benchmark's largest layer on one thread with OpenBLAS's own
choice and with each kernel the CPU's instruction set allows (Haswell for AVX2 + FMA, SkylakeX
for AVX-512), and the competitor gets the fastest (OpenBLAS's own choice unless another is more
than 5 % faster). Every probe is printed and recorded, so the choice can be checked.

  openblas_env.py --probe torch|numpy     (internal: one probe, prints JSON)
"""
import ctypes
import json
import os
import subprocess
import time

PIN_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
POLICIES = ("auto", "detect", "inherit")  # or the name of an OpenBLAS core
# OpenBLAS's own choice is kept unless another kernel is this much faster (probe noise).
KEEP_DETECTED_WITHIN = 1.05


def loaded_openblas():
    """The OpenBLAS this process has loaded (from /proc/self/maps): path, core, config, threads."""
    path = None
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if os.path.basename(p).startswith("libopenblas"):
                    path = p
                    break
    except OSError:
        return None
    if path is None:
        return None
    info = {"path": path}
    try:
        lib = ctypes.CDLL(path)
        for name in ("openblas_get_corename", "openblas_get_config"):
            fn = getattr(lib, name)
            fn.restype = ctypes.c_char_p
            info[name[len("openblas_get_"):]] = fn().decode()
        lib.openblas_get_num_threads.restype = ctypes.c_int
        info["threads"] = lib.openblas_get_num_threads()
        info["version"] = next((w for w in info["config"].split() if w[:1].isdigit()), "?")
    except (OSError, AttributeError) as e:
        info["error"] = str(e)
    return info


def describe(info):
    """'OpenBLAS 0.3.21 core SkylakeX (1 thread)' for loaded_openblas()'s dict."""
    if not info:
        return "no OpenBLAS loaded"
    if "error" in info:
        return f"OpenBLAS at {info['path']} ({info['error']})"
    return f"OpenBLAS {info['version']} core {info['corename']} ({info['threads']} thread(s))"


def cpu():
    """Vendor, family, model, model name and flags of the first CPU in /proc/cpuinfo."""
    out = {"vendor": "?", "family": "?", "model": "?", "model_name": "?", "flags": set()}
    keys = {"vendor_id": "vendor", "cpu family": "family", "model": "model",
            "model name": "model_name"}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k in keys:
                    out[keys[k]] = v
                elif k == "flags":
                    out["flags"] = set(v.split())
    except OSError:
        pass
    return out


def candidate_cores(flags):
    """The kernels worth trying on a CPU with these flags, besides OpenBLAS's own choice."""
    cores = []
    if {"avx2", "fma"} <= flags:
        cores.append("Haswell")
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= flags:
        cores.append("SkylakeX")
    return cores


def stripped_env(base=None):
    """base (default os.environ) without the kernel pin."""
    env = dict(os.environ if base is None else base)
    for k in PIN_VARS:
        env.pop(k, None)
    return env


def measured_env(choice, base=None):
    """The environment of a measured process under choice (from choose())."""
    if choice["policy"] == "inherit":
        return dict(os.environ if base is None else base)
    env = stripped_env(base)
    if choice.get("core"):
        env["OPENBLAS_CORETYPE"] = choice["core"]
    return env


def _gemm_gflops(via, reps):
    """GFLOP/s of the three products of the 784->256 layer at batch 256 (forward W·A, weight
    gradient dZ·Aᵀ, input gradient Wᵀ·dZ), best of reps, one thread."""
    m, k, n = 256, 784, 256
    if via == "torch":
        import torch
        torch.set_num_threads(1)
        W, A, dZ = torch.randn(n, k), torch.randn(k, m), torch.randn(n, m)
        prods = [lambda: W @ A, lambda: dZ @ A.t(), lambda: W.t() @ dZ]
    else:
        import numpy as np
        g = np.random.default_rng(0)
        W = g.standard_normal((n, k), dtype=np.float32)
        A = g.standard_normal((k, m), dtype=np.float32)
        dZ = g.standard_normal((n, m), dtype=np.float32)
        prods = [lambda: W @ A, lambda: dZ @ A.T, lambda: W.T @ dZ]
    for p in prods:
        p()
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(10):
            for p in prods:
                p()
        best = min(best, time.perf_counter() - t0)
    return 3 * 10 * 2.0 * m * k * n / best / 1e9


def probe_main(via, reps):
    if via == "torch":
        import torch  # noqa: F401  (loads OpenBLAS the way torch does)
    import numpy  # noqa: F401
    gflops = _gemm_gflops(via, reps)
    print(json.dumps({"via": via, "openblas": loaded_openblas(), "gflops": gflops,
                      "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}))


def probe(via, core, base=None, reps=5, python="/usr/bin/python3"):
    """One probe in a fresh process: core None = OpenBLAS's own choice."""
    env = stripped_env(base)
    env["OPENBLAS_NUM_THREADS"] = "1"
    env["OMP_NUM_THREADS"] = "1"
    if core:
        env["OPENBLAS_CORETYPE"] = core
    out = subprocess.run([python, os.path.abspath(__file__), "--probe", via, "--reps", str(reps)],
                         env=env, check=True, capture_output=True, text=True).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["requested"] = core
    return r


def choose(via, policy="auto", base=None, quick=False, log=None):
    """The OpenBLAS setting of the measured processes, with the evidence for it.

    policy: auto (fastest of OpenBLAS's choice and the ISA's kernels), detect (OpenBLAS's own
    choice), inherit (the environment as it is, pin included) or a core name (forced).
    Returns {"policy", "core" (OPENBLAS_CORETYPE to set, or None), "removed", "inherited",
    "detected", "probes", "cpu"}."""
    base = dict(os.environ if base is None else base)
    c = cpu()
    out = {"policy": policy, "core": None,
           "removed": [] if policy == "inherit" else list(PIN_VARS),
           "inherited": {k: base[k] for k in PIN_VARS if k in base},
           "cpu": {k: c[k] for k in ("vendor", "family", "model", "model_name")},
           "probes": []}
    reps = 2 if quick else 5
    cands = [None]
    if policy == "auto":
        cands += candidate_cores(c["flags"])
    elif policy not in ("detect", "inherit"):
        cands.append(policy)
    pin = out["inherited"].get("OPENBLAS_CORETYPE")
    if pin and pin not in cands:
        cands.append(pin)  # for the record: what the pin would have given
    for core in cands:
        r = probe(via, core, base, reps)
        out["probes"].append(r)
        if log:
            got = (r["openblas"] or {}).get("corename", "no OpenBLAS")
            log(f"  OpenBLAS probe via {via}: "
                f"{'OPENBLAS_CORETYPE=' + core if core else 'own choice'} -> core {got}, "
                f"{r['gflops']:.0f} GFLOP/s (784->256 layer GEMMs, batch 256, 1 thread)")
    detected = out["probes"][0]
    out["detected"] = (detected["openblas"] or {}).get("corename")
    if policy == "auto":
        best = max(out["probes"][:1 + len(candidate_cores(c["flags"]))], key=lambda r: r["gflops"])
        if best["requested"] and best["gflops"] > KEEP_DETECTED_WITHIN * detected["gflops"]:
            out["core"] = best["requested"]
    elif policy == "inherit":
        out["core"] = pin
    elif policy != "detect":
        out["core"] = policy
    return out


def summary(choice):
    """One paragraph: what was removed, what OpenBLAS picks, what the measured processes got."""
    c = choice["cpu"]
    inh = ", ".join(f"{k}={v}" for k, v in choice["inherited"].items()) or "none"
    by = {r["requested"]: r for r in choice["probes"]}

    def g(core):
        r = by.get(core)
        return f"{r['gflops']:.0f} GFLOP/s" if r else "not probed"
    s = (f"OpenBLAS environment (policy '{choice['policy']}'): inherited pin: {inh}; "
         f"{' and '.join(choice['removed']) or 'nothing'} removed for every measured process. "
         f"On this CPU ({c['vendor']} family {c['family']} model {c['model']}, {c['model_name']}) "
         f"OpenBLAS's own choice is core {choice['detected']} ({g(None)})")
    others = [f"{r['requested']} {r['gflops']:.0f}" for r in choice["probes"] if r["requested"]]
    if others:
        s += "; forced kernels, GFLOP/s: " + ", ".join(others)
    if choice["core"]:
        s += f". Measured processes run with OPENBLAS_CORETYPE={choice['core']} ({g(choice['core'])})."
    else:
        s += ". Measured processes run on OpenBLAS's own choice."
    return s


if __name__ == "__main__":
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--probe", choices=["torch", "numpy"], required=True)
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    probe_main(a.probe, a.reps)
