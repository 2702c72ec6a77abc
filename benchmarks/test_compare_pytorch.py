"""Tests of the comparison scripts' machinery (pytest; the timings themselves are not checked).

  MLP_BUILD_DIR=build /usr/bin/python3 -m pytest -q benchmarks/test_compare_pytorch.py

The tests that run mlp (the `mlp train` row, the --quick smoke run) are skipped when
MLP_BUILD_DIR (default: build) holds no mlp and bench_workloads.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare_pytorch as cp  # noqa: E402
import openblas_env  # noqa: E402

BUILD = os.environ.get("MLP_BUILD_DIR", os.path.join(os.path.dirname(HERE), "build"))
HAVE_BUILD = (os.path.exists(os.path.join(BUILD, "mlp"))
              and os.path.exists(os.path.join(BUILD, "benchmarks", "bench_workloads")))
HAVE_DATA = os.path.exists(os.path.join(cp.FASHION, "train-images-idx3-ubyte.gz"))


def dead(pid, timeout=5.0):
    """True once pid is gone or a zombie (a killed orphan its new parent has not reaped)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


# --- the OpenBLAS environment --------------------------------------------------------------

PINNED = {"PATH": "/usr/bin", "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "1048576"}


def test_measured_env_removes_the_pin():
    env = openblas_env.measured_env({"policy": "detect", "core": None}, PINNED)
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert env["PATH"] == "/usr/bin"


def test_measured_env_sets_the_chosen_core_only():
    env = openblas_env.measured_env({"policy": "auto", "core": "SkylakeX"}, PINNED)
    assert env["OPENBLAS_CORETYPE"] == "SkylakeX" and "OPENBLAS_L2_SIZE" not in env


def test_measured_env_inherit_keeps_everything():
    assert openblas_env.measured_env({"policy": "inherit", "core": "Haswell"}, PINNED) == PINNED


def test_candidate_cores_follow_the_instruction_set():
    assert openblas_env.candidate_cores({"sse2"}) == []
    assert openblas_env.candidate_cores({"avx2", "fma"}) == ["Haswell"]
    avx512 = {"avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}
    assert openblas_env.candidate_cores(avx512) == ["Haswell", "SkylakeX"]


def test_probe_reports_the_core_the_process_loaded():
    pytest.importorskip("numpy")
    r = openblas_env.probe("numpy", None, PINNED | dict(os.environ), reps=1)
    if r["openblas"] is None:
        pytest.skip("numpy is not linked to OpenBLAS here")
    assert r["OPENBLAS_CORETYPE"] is None  # the pin was removed
    assert r["openblas"]["corename"] and r["gflops"] > 0
    forced = openblas_env.probe("numpy", "Haswell", dict(os.environ), reps=1)
    assert forced["openblas"]["corename"] == "Haswell"


# --- `mlp train` per-epoch wall time ----------------------------------------------------------

def test_epoch_walls_start_at_the_start_line_and_end_at_each_epoch_line():
    lines = [(0.0, "warning: something before training"),
             (0.2, "mlp train: 60000 train / 0 dev / 10000 test examples, 784 features"),
             (0.3, "train~ = running mean over each epoch's batches"),
             (1.0, "epoch 1/4  lr 0.001  train~ cost 0.45  (0.7 s, 81421 samples/s)"),
             (1.1, "warning: something"),
             (1.8, "epoch 2/4  lr 0.001  train~ cost 0.32  (0.8 s, 77974 samples/s)"),
             (2.7, "epoch 3/4  lr 0.001  train~ cost 0.28  (0.8 s, 74558 samples/s)"),
             (3.7, "epoch 4/4  lr 0.001  train~ cost 0.25  (0.8 s, 71541 samples/s)"),
             (4.0, "model: run/model.mlp")]
    assert cp.epoch_walls(lines) == pytest.approx([0.8, 0.8, 0.9, 1.0])


def test_epoch_walls_need_the_start_line_for_epoch_1():
    assert cp.epoch_walls([(1.0, "epoch 1/2  lr 0.001"), (2.5, "epoch 2/2  lr 0.001")]) == \
        pytest.approx([1.5])


@pytest.mark.skipif(not (HAVE_BUILD and HAVE_DATA), reason="no mlp build or Fashion-MNIST")
def test_cli_train_row(tmp_path):
    data = cp.write_idx_subset(str(tmp_path), 300, 100)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = cp.cli_train(os.path.join(BUILD, "mlp"), data, 64, 1, 3, env, str(tmp_path))
    assert r["train_examples"] == 300
    assert len(r["epoch_wall_seconds"]) == 3 and len(r["epoch_step_seconds"]) == 3
    # each epoch's wall time holds its training steps (metrics.jsonl "seconds")
    assert all(w >= s for w, s in zip(r["epoch_wall_seconds"], r["epoch_step_seconds"]))
    assert 10e6 < r["peak_rss_bytes"] < 10e9  # ru_maxrss of the child, in bytes


@pytest.mark.skipif(not HAVE_BUILD, reason="no mlp build")
def test_cli_train_row_on_random_idx_files(tmp_path):
    data = cp.write_idx_random(str(tmp_path), 200, 50)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    r = cp.cli_train(os.path.join(BUILD, "mlp"), data, 32, 1, 2, env, str(tmp_path))
    assert r["train_examples"] == 200 and len(r["epoch_wall_seconds"]) == 2


# --- background load ----------------------------------------------------------------------------

def test_background_load_is_killed_on_an_exception():
    with pytest.raises(ValueError):
        with cp.BackgroundLoad(2) as load:
            pids = load.pids()
            assert len(pids) == 2 and not dead(pids[0], 0.2)
            raise ValueError("boom")
    assert all(dead(p, 0.1) for p in pids)


HELPER = """
import os, signal, sys, time
sys.path.insert(0, {here!r})
import compare_pytorch as cp
signal.signal(signal.SIGTERM, cp._raise_interrupt)
with cp.BackgroundLoad(2) as load:
    print(*load.pids(), flush=True)
    if {self_kill}:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)
"""


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_background_load_does_not_outlive_the_benchmark(how):
    code = HELPER.format(here=HERE, self_kill=how == "SIGKILL")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    pids = [int(x) for x in p.stdout.readline().split()]
    assert len(pids) == 2
    if how != "SIGKILL":
        p.send_signal(getattr(signal, how))  # SIGINT: what Ctrl-C sends the benchmark
    p.wait(timeout=10)
    assert all(dead(pid) for pid in pids)


# --- the whole script, --quick --------------------------------------------------------------------

@pytest.mark.skipif(not (HAVE_BUILD and HAVE_DATA), reason="no mlp build or Fashion-MNIST")
def test_quick_run_prints_every_row_set(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "r.json"
    r = subprocess.run([sys.executable, os.path.join(HERE, "compare_pytorch.py"), "--quick",
                        "--build", BUILD, "--batches", "32,64", "--cli-batches", "64",
                        "--background-load", "1", "--json", str(out)],
                       capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, **{k: v for k, v in PINNED.items() if k != "PATH"}))
    assert r.returncode == 0, r.stderr[-3000:]
    text = r.stdout
    assert "OpenBLAS environment" in text and "PyTorch's GEMMs ran on OpenBLAS" in text
    assert "| train batch 64 (samples/s) | 1 |" in text
    assert "`mlp train` epoch 1 wall" in text
    assert "one CPU-bound competitor, 2 threads vs 1 thread" in text
    j = json.loads(out.read_text())
    assert j["openblas_env"]["inherited"] == {"OPENBLAS_CORETYPE": "Haswell",
                                              "OPENBLAS_L2_SIZE": "1048576"}
    # no measured PyTorch process saw the environment's pin (unless the probe chose it)
    chosen = j["openblas_env"]["core"]
    for k, v in j.items():
        if k.startswith("torch"):
            assert v["libraries"]["OPENBLAS_L2_SIZE"] is None
            assert v["libraries"]["OPENBLAS_CORETYPE"] == chosen
    assert j["cli_train"][0]["batch"] == 64 and j["cli_train"][0]["peak_rss_bytes"] > 0
    assert j["busy"]["competitors"] == 1 and j["busy"]["mlp_2_vs_1"] > 0
    assert "More threads than cores" in text
    over = j["more_threads"]
    assert over["threads"] == 2 * len(os.sched_getaffinity(0))
    assert [x["batch"] for x in over["rows"]] == [64] and over["rows"][0]["ratio"] > 0
