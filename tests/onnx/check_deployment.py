"""Checks `mlp export` (ONNX and C) and `mlp import` end to end (docs/deployment.md).

    /usr/bin/python3 tests/onnx/check_deployment.py MLP SOURCE_DIR

For small models trained here from the example data — classification (softmax, a single sigmoid
unit, integer labels, mean imputation) and regression (with and without target standardization),
each hidden activation — it checks that
  - onnx.checker.check_model passes on the exported file;
  - ONNX Runtime (tests/onnx/run_onnx.js, onnxruntime-node) gives `mlp predict`'s probabilities
    and labels / predictions to 1e-5 relative;
  - export -> import -> export gives the same bytes, and the imported model predicts the same;
  - the exported C compiles with `cc -std=c99 -Wall -Wextra -Werror -pedantic` and matches
    `mlp predict` to 1e-6 relative (the int8 variant's accuracy change is printed);
  - the committed PyTorch-exported MLP (tests/onnx/fixtures/, tests/reference/gen_onnx_torch.py)
    imports and predicts like PyTorch to 1e-5;
  - graphs with an unsupported node are refused with exit 65, naming the node and its op type.
Exit 77 (skip) when python3-onnx, numpy, node/onnxruntime-node or the ONNX build are missing:
the reason is printed.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


def skip(why):
    print(f"SKIP: {why}")
    sys.exit(SKIP)


try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
except ImportError as e:  # pragma: no cover
    skip(f"python3-onnx / python3-numpy missing ({e})")

MLP = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
RUN_ONNX = os.path.join(SRC, "tests", "onnx", "run_onnx.js")
NODE = shutil.which("node")
CC = shutil.which("cc") or shutil.which("gcc")

checks = 0
failures = 0


def check(ok, what):
    global checks, failures
    checks += 1
    if not ok:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)
    return ok


def run(args, expect=0, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if expect is not None and p.returncode != expect:
        check(False, f"{' '.join(map(str, args))}: exit {p.returncode}, expected {expect}\n{p.stderr[-2000:]}")
    return p


def close(a, b, rel, floor):
    """Relative agreement: |a - b| <= rel * max(|a|, |b|, column RMS of b) + floor, elementwise.

    The column's RMS bounds the scale from below, so that an output that happens to be near zero
    (a regression prediction crossing 0, a probability of 1e-4 after a softmax) is compared
    relative to the size of that output, not to itself: float32 sums in another order differ by
    a few ulps of their terms, not of their (possibly cancelling) result. Returns (ok, worst
    relative error)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False, float("inf")
    if a.size == 0:
        return True, 0.0
    rms = np.sqrt(np.mean(b * b, axis=0, keepdims=True)) if b.ndim == 2 else np.sqrt(np.mean(b * b))
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), rms)
    err = np.abs(a - b)
    ok = bool(np.all(err <= rel * scale + floor))
    worst = float(np.max(err / np.maximum(scale, 1e-30)))
    return ok, worst


def read_predict(path, classify):
    with open(path) as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if classify:
        labels = [r[0] for r in body]
        probs = np.array([[float(x) for x in r[1:]] for r in body], dtype=np.float64)
        return header, labels, probs
    return header, None, np.array([[float(x) for x in r] for r in body], dtype=np.float64)


# ---- prerequisites -------------------------------------------------------------------------
probe = subprocess.run([MLP, "export", "--help"], capture_output=True, text=True)
if probe.returncode != 0:
    skip("this mlp has no export command")
if not NODE:
    skip("node is not installed (npm/nodejs: scripts/install-deps.sh)")
if not os.path.isdir(os.path.join(SRC, "tests", "onnx", "node_modules", "onnxruntime-node")):
    skip("onnxruntime-node is not installed in tests/onnx/node_modules (scripts/install-deps.sh)")

work = tempfile.mkdtemp(prefix="mlp-deploy-")
os.chdir(work)
data = os.path.join(SRC, "examples", "data")

# Probe the ONNX build once: a build without libonnx-dev exits 2 with a message.
shutil.copy(os.path.join(data, "xor.csv"), "xor.csv")


def train(name, csv_path, target, hidden, activation, output=None, extra_data="", extra_model="",
          epochs=8):
    toml = (f'[data]\ntrain = "{csv_path}"\ntarget = {json.dumps(target)}\n{extra_data}'
            f'[model]\nhidden = {hidden}\nactivation = "{activation}"\n{extra_model}'
            + (f'output = "{output}"\n' if output else "")
            + f'[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = {epochs}\nseed = 1\n'
              'checkpoint_every = 0\n')
    with open(f"{name}.toml", "w") as f:
        f.write(toml)
    p = run([MLP, "train", f"{name}.toml", "--out", f"{name}-run", "-q"])
    return f"{name}-run/model.mlp" if p.returncode == 0 else None


# Data sets: iris (string labels), digits (integer labels), boston (regression; a copy with
# missing cells for imputation), xor-like two-class problem for a single sigmoid unit.
shutil.copy(os.path.join(data, "iris.csv"), "iris.csv")
shutil.copy(os.path.join(data, "boston_housing.csv"), "boston.csv")
with open(os.path.join(data, "digits_8x8.csv")) as f:
    rows = list(csv.reader(f))
with open("digits.csv", "w", newline="") as f:
    csv.writer(f).writerows(rows[:601])  # 600 examples keep training short
with open("boston.csv") as f:
    rows = list(csv.reader(f))
for i in range(1, len(rows), 7):  # every 7th row misses one feature
    rows[i][(i // 7) % (len(rows[0]) - 1)] = ""
with open("boston_missing.csv", "w", newline="") as f:
    csv.writer(f).writerows(rows)
with open("iris.csv") as f:
    rows = list(csv.reader(f))
with open("iris_binary.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(rows[0])
    for r in rows[1:]:
        w.writerow(r[:-1] + ["virginica" if r[-1] == "virginica" else "other"])

models = []  # (name, model path, classify, csv)
for act in ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "identity"]:
    models.append((f"iris_{act}", train(f"iris_{act}", "iris.csv", "species", "[8, 6]", act), True, "iris.csv"))
    models.append((f"boston_{act}", train(f"boston_{act}", "boston.csv", "MEDV", "[12]", act,
                                          extra_model='leaky_slope = 0.05\n' if act == "leaky_relu" else ""),
                   False, "boston.csv"))
models.append(("digits_int_labels", train("digits", "digits.csv", "digit", "[16]", "relu"), True, "digits.csv"))
models.append(("iris_binary_sigmoid", train("binary", "iris_binary.csv", "species", "[6]", "tanh",
                                            output="sigmoid"), True, "iris_binary.csv"))
models.append(("boston_imputed", train("imputed", "boston_missing.csv", "MEDV", "[10]", "relu",
                                       extra_data='missing = "mean"\n'), False, "boston_missing.csv"))
models.append(("boston_unscaled_target", train("unscaled", "boston.csv", "MEDV", "[10]", "tanh",
                                               extra_data="normalize_target = false\n"), False, "boston.csv"))
# Two targets in different units (k$ and parts per 10 million), each un-standardized on its own.
models.append(("boston_two_targets", train("two_targets", "boston.csv", ["MEDV", "NOX"], "[12]", "tanh"),
               False, "boston.csv"))

first = run([MLP, "export", models[0][1], "-o", "probe.onnx"], expect=None)
if first.returncode == 2 and "no ONNX support" in first.stderr:
    skip("mlp was built without ONNX support (libonnx-dev, libprotobuf-dev)")


def features_of(model_onnx, csv_path):
    """The feature matrix (NaN for empty cells) in the model's input order, and the column names."""
    m = onnx.load(model_onnx)
    meta = {p.key: p.value for p in m.metadata_props}
    names = json.loads(meta["mlp.feature_names"])
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    X = [[float(r[n]) if r[n] != "" else None for n in names] for r in rows]
    return names, X


def write_features(names, X, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(names)
        for r in X:
            w.writerow(["" if v is None else repr(v) for v in r])


def ort_run(model_onnx, X):
    with open("input.json", "w") as f:
        json.dump({"features": X}, f)
    p = run([NODE, RUN_ONNX, model_onnx, "input.json"], expect=None)
    if p.returncode == SKIP:
        skip(p.stderr.strip())
    check(p.returncode == 0, f"run_onnx {model_onnx}: {p.stderr[-1500:]}")
    return json.loads(p.stdout) if p.returncode == 0 else None


C_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include "PREFIX.h"
/* Reads rows of PREFIX_N_FEATURES numbers (empty = NaN) from a CSV with a header line, prints
 * each row's outputs; with a second argument N, times N passes over the rows instead. */
int main(int argc, char **argv) {
  static float x[100000][PREFIX_N_FEATURES];
  float out[PREFIX_N_OUTPUTS];
  char line[1 << 16];
  int n = 0, i, k, r;
  FILE *f = fopen(argv[1], "r");
  if (!f || !fgets(line, sizeof line, f)) return 2;
  while (n < 100000 && fgets(line, sizeof line, f)) {
    char *p = line;
    for (i = 0; i < PREFIX_N_FEATURES; ++i) {
      char *end;
      if (*p == ',' || *p == '\n' || *p == '\r' || *p == '\0') x[n][i] = NAN;
      else { x[n][i] = strtof(p, &end); p = end; }
      if (*p == ',') ++p;
    }
    ++n;
  }
  if (argc > 2) {
    int reps = atoi(argv[2]);
    volatile float sink = 0.0f;
    clock_t t0 = clock();
    for (r = 0; r < reps; ++r)
      for (k = 0; k < n; ++k) { PREFIX_predict(x[k], out); sink += out[0]; }
    if (sink == 12345.0f) printf("!");
    printf("%.3f\n", 1e9 * (double)(clock() - t0) / CLOCKS_PER_SEC / ((double)reps * n));
    return 0;
  }
  for (k = 0; k < n; ++k) {
    int c = PREFIX_predict(x[k], out);
    printf("%d", c);
    for (i = 0; i < PREFIX_N_OUTPUTS; ++i) printf(",%.9g", out[i]);
    printf("\n");
  }
  return 0;
}
"""


def c_outputs(model, features_csv, int8, timing=False):
    d = "c-int8" if int8 else "c-float"
    shutil.rmtree(d, ignore_errors=True)
    args = [MLP, "export", model, "--format", "c", "-o", d, "--prefix", "net"] + (["--int8"] if int8 else [])
    if run(args).returncode != 0:
        return None
    with open(os.path.join(d, "main.c"), "w") as f:
        f.write(C_DRIVER.replace("PREFIX_N_", "NET_N_").replace("PREFIX", "net"))
    p = run([CC, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O2", "-o", os.path.join(d, "run"),
             os.path.join(d, "main.c"), os.path.join(d, "net.c"), "-lm"])
    if not check(p.returncode == 0 and p.stderr == "", f"C export of {model} compiles warning-free: {p.stderr[:1500]}"):
        return None
    if timing:
        t = run([os.path.join(d, "run"), features_csv, "200"])
        obj = run([CC, "-std=c99", "-O2", "-c", "-o", os.path.join(d, "net.o"), os.path.join(d, "net.c")])
        size = run(["size", os.path.join(d, "net.o")], expect=None).stdout.splitlines()
        return float(t.stdout), size[-1] if size else "?"
    p = run([os.path.join(d, "run"), features_csv])
    lines = [l.split(",") for l in p.stdout.splitlines()]
    return [int(l[0]) for l in lines], np.array([[float(v) for v in l[1:]] for l in lines])


if not CC:
    print("note: no C compiler, the C export checks are skipped")

int8_report = []
worst = {"onnx": 0.0, "c": 0.0, "import": 0.0}
for name, model, classify, csv_path in models:
    if not check(model is not None, f"{name}: training failed"):
        continue
    onnx_path = f"{name}.onnx"
    if run([MLP, "export", model, "-o", onnx_path]).returncode != 0:
        continue
    m = onnx.load(onnx_path)
    try:
        onnx.checker.check_model(m, full_check=True)
        check(True, "checker")
    except Exception as e:  # noqa: BLE001
        check(False, f"{name}: onnx.checker: {e}")
    names, X = features_of(onnx_path, csv_path)
    write_features(names, X, f"{name}.features.csv")
    run([MLP, "predict", model, f"{name}.features.csv", "-o", f"{name}.pred.csv"])
    header, labels, P = read_predict(f"{name}.pred.csv", classify)
    out = ort_run(onnx_path, X)
    if out is None:
        continue
    key = "probabilities" if classify else "prediction"
    got = np.array(out[key]["data"]).reshape(out[key]["dims"])
    ok, w = close(got, P, 1e-5, 1e-7)
    worst["onnx"] = max(worst["onnx"], w)
    check(ok, f"{name}: ONNX Runtime {key} differ from mlp predict (worst relative {w:.3g})")
    if classify:
        ort_labels = [str(v) for v in out["label"]["data"]]
        check(ort_labels == labels, f"{name}: ONNX Runtime labels differ from mlp predict")
        all_int = all(l.lstrip("-").isdigit() for l in labels)
        check(out["label"]["type"] == ("int64" if all_int else "string"), f"{name}: label type {out['label']['type']}")

    # export -> import -> export
    run([MLP, "import", onnx_path, "-o", f"{name}.imported.mlp"])
    run([MLP, "export", f"{name}.imported.mlp", "-o", f"{name}.again.onnx"])
    with open(onnx_path, "rb") as a, open(f"{name}.again.onnx", "rb") as b:
        check(a.read() == b.read(), f"{name}: export -> import -> export changed the ONNX file")
    run([MLP, "predict", f"{name}.imported.mlp", f"{name}.features.csv", "-o", f"{name}.pred2.csv"])
    _, labels2, P2 = read_predict(f"{name}.pred2.csv", classify)
    ok, w = close(P2, P, 1e-6, 1e-7)
    worst["import"] = max(worst["import"], w)
    check(ok and labels2 == labels, f"{name}: the imported model predicts differently (worst relative {w:.3g})")

    if CC:
        res = c_outputs(model, f"{name}.features.csv", int8=False)
        if res is not None:
            cls, Pc = res
            ok, w = close(Pc, P, 1e-6, 1e-7)
            worst["c"] = max(worst["c"], w)
            check(ok, f"{name}: generated C differs from mlp predict (worst relative {w:.3g})")
            if classify:
                check([header[1 + c][2:] for c in cls] == labels, f"{name}: generated C labels differ")
        res8 = c_outputs(model, f"{name}.features.csv", int8=True)
        if res8 is not None:
            cls8, P8 = res8
            with open(csv_path) as f:
                truth_rows = list(csv.DictReader(f))
            if classify:
                target = [r for r in header][0]
                tcol = [k for k in truth_rows[0].keys() if k not in names][0]
                truth = [r[tcol] for r in truth_rows]
                acc = np.mean([a == t for a, t in zip(labels, truth)])
                acc8 = np.mean([header[1 + c][2:] == t for c, t in zip(cls8, truth)])
                int8_report.append(f"{name}: accuracy {acc:.4f} -> int8 {acc8:.4f} ({acc8 - acc:+.4f})")
            else:
                # Per target, named by mlp predict's header (a model may have several).
                for t, tcol in enumerate(header):
                    y = np.array([float(r[tcol]) for r in truth_rows])
                    rmse = float(np.sqrt(np.mean((P[:, t] - y) ** 2)))
                    rmse8 = float(np.sqrt(np.mean((P8[:, t] - y) ** 2)))
                    label = name if len(header) == 1 else f"{name} {tcol}"
                    int8_report.append(f"{label}: RMSE {rmse:.4f} -> int8 {rmse8:.4f} ({rmse8 - rmse:+.4f})")

# ---- code size and per-example time of the C export (printed for docs/deployment.md) ---------
if CC and models[0][1]:
    for int8 in (False, True):
        t = c_outputs(models[0][1], f"{models[0][0]}.features.csv", int8, timing=True)
        if t:
            print(f"C export {'int8' if int8 else 'float'} ({models[0][0]}, 4-8-6-3): {t[0]:.1f} ns per example; size: {t[1]}")
    digits = [m for m in models if m[0] == "digits_int_labels"][0]
    for int8 in (False, True):
        t = c_outputs(digits[1], f"{digits[0]}.features.csv", int8, timing=True)
        if t:
            print(f"C export {'int8' if int8 else 'float'} (digits, 64-16-10): {t[0]:.1f} ns per example; size: {t[1]}")

# ---- the PyTorch-exported MLP ----------------------------------------------------------------
fixture = os.path.join(SRC, "tests", "onnx", "fixtures", "torch_mlp.onnx")
expected = os.path.join(SRC, "tests", "onnx", "fixtures", "torch_mlp.expected.json")
run([MLP, "import", fixture, "-o", "torch.mlp"])
with open(expected) as f:
    ref = json.load(f)
names = [f"x{j}" for j in range(len(ref["inputs"][0]))]
m = onnx.load(fixture)
meta = {p.key: p.value for p in m.metadata_props}
write_features(names, ref["inputs"], "torch.features.csv")
run([MLP, "predict", "torch.mlp", "torch.features.csv", "-o", "torch.pred.csv"])
if os.path.exists("torch.pred.csv"):
    _, labels, P = read_predict("torch.pred.csv", True)
    ok, w = close(P, np.array(ref["probabilities"]), 1e-5, 1e-7)
    check(ok, f"PyTorch MLP: mlp predicts differently from PyTorch (worst relative {w:.3g})")
    check(labels == [str(c) for c in ref["labels"]], "PyTorch MLP: labels differ from PyTorch's argmax")
    print(f"PyTorch MLP imported: worst relative difference {w:.3g} on {len(labels)} examples")
    p = run([MLP, "inspect", "torch.mlp"])

# ---- a MatMul + Add graph (as tf2onnx writes Keras Dense layers), against numpy ---------------
rng = np.random.default_rng(3)
W1, b1 = rng.standard_normal((4, 6)).astype(np.float32), rng.standard_normal(6).astype(np.float32)
W2, b2 = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
mu, sd = rng.standard_normal(4).astype(np.float32), (rng.random(4) + 0.5).astype(np.float32)
inits = [numpy_helper.from_array(v, n) for v, n in [(W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2"), (mu, "mu"), (sd, "sd")]]
g = helper.make_graph(
    [helper.make_node("Sub", ["x", "mu"], ["s0"]), helper.make_node("Div", ["s0", "sd"], ["s1"]),
     helper.make_node("MatMul", ["s1", "W1"], ["m1"]), helper.make_node("Add", ["m1", "b1"], ["a1"]),
     helper.make_node("Relu", ["a1"], ["r1"]), helper.make_node("MatMul", ["r1", "W2"], ["m2"]),
     helper.make_node("Add", ["m2", "b2"], ["a2"]), helper.make_node("Softmax", ["a2"], ["y"], axis=-1)],
    "keras_like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], inits)
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), "keras_like.onnx")
run([MLP, "import", "keras_like.onnx", "-o", "keras_like.mlp"])
Xk = rng.standard_normal((25, 4)).astype(np.float32) * 2
write_features([f"x{j}" for j in range(4)], Xk.tolist(), "keras.features.csv")
run([MLP, "predict", "keras_like.mlp", "keras.features.csv", "-o", "keras.pred.csv"])
if os.path.exists("keras.pred.csv"):
    z = np.maximum(((Xk.astype(np.float64) - mu) / sd) @ W1 + b1, 0) @ W2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    _, kl, Pk = read_predict("keras.pred.csv", True)
    ok, w = close(Pk, e / e.sum(axis=1, keepdims=True), 1e-5, 1e-7)
    check(ok, f"MatMul + Add graph: mlp predicts differently from numpy (worst relative {w:.3g})")

# ---- refused graphs --------------------------------------------------------------------------
W = helper.make_tensor("W", TensorProto.FLOAT, [3, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
g = helper.make_graph(
    [helper.make_node("Gemm", ["x", "W"], ["h"], name="fc1", transB=1),
     helper.make_node("Cos", ["h"], ["y"], name="weird")],
    "bad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], [W])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]), "cos.onnx")
p = run([MLP, "import", "cos.onnx", "-o", "cos.mlp"], expect=65)
check("weird" in p.stderr and "Cos" in p.stderr, f"the refusal names the node and its op type: {p.stderr}")
check(not os.path.exists("cos.mlp"), "nothing is written for a refused graph")
# Weights that claim 10^10 or 10^8 floats but hold 6: refused before anything is allocated.
for side, message in [(100000, "more than 268435456 elements"), (10000, "holds 6 values")]:
    big = helper.make_tensor("W", TensorProto.FLOAT, [3, 2], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    del big.dims[:]
    big.dims.extend([side, side])
    g = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc1", transB=1)], "big",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", side])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", side])], [big])
    with open("big.onnx", "wb") as f:
        f.write(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString())
    p = run([MLP, "import", "big.onnx", "-o", "big.mlp"], expect=65)
    check("initializer 'W'" in p.stderr and message in p.stderr, f"giant dims {side}: {p.stderr}")
with open("garbage.onnx", "wb") as f:
    f.write(b"\x08\x07\x12\xff\xff\xff\xff\x0fnot a model")
run([MLP, "import", "garbage.onnx", "-o", "g.mlp"], expect=65)
run([MLP, "import", "missing.onnx", "-o", "g.mlp"], expect=66)
run([MLP, "export", models[0][1], "-o", "x.onnx", "--opset", "12"], expect=2)

print(f"worst relative difference: ONNX Runtime {worst['onnx']:.3g}, generated C {worst['c']:.3g}, "
      f"imported model {worst['import']:.3g}")
for line in int8_report:
    print("int8", line)
shutil.rmtree(work, ignore_errors=True)
print(f"{checks} checks, {failures} failed")
sys.exit(1 if failures else 0)
