#!/usr/bin/env bash
# mlp train: early stopping on a chosen metric (train.early_stopping.monitor), warm start
# (model.init_from) with frozen slices (train.freeze), refit on train + dev (train.refit).
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/boston_housing.csv" .
mkdir conf
cat > conf/iris.toml <<'TOML'
[data]
train = "../iris.csv"
target = "species"
split = [0.6, 0.2, 0.2]
[model]
hidden = [8]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 25
seed = 1
[train.early_stopping]
patience = 5
monitor = "dev_accuracy"
TOML

# ---- monitor ---------------------------------------------------------------------------------
expect_exit 0 "train monitor=dev_accuracy" -- "$MLP" train conf/iris.toml --out base --json -q
if have_python; then
  "$PY" - base/summary.json <<'PY' && pass || fail "summary.json: monitor and best_epoch"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["monitor"] == "dev_accuracy", s["monitor"]
assert s["refit"] is None
hist = [json.loads(l) for l in open("base/metrics.jsonl")]
acc = [h["dev"]["accuracy"] for h in hist]
best = max(range(len(acc)), key=lambda i: (acc[i], -i)) + 1   # the first epoch of the highest accuracy
assert s["best_epoch"] == best, (s["best_epoch"], best, acc)
PY
fi
printf '[data]\ntrain = "boston_housing.csv"\ntarget = "MEDV"\ntask = "regression"\n[model]\nhidden = [4]\n[train.early_stopping]\nmonitor = "dev_accuracy"\n' > reg.toml
expect_exit 2 "dev_accuracy on an explicit regression" -- "$MLP" train reg.toml --out r1 -q
expect_err 'reg.toml:[0-9]+:[0-9]+: error: train.early_stopping.monitor = "dev_accuracy" is a classification metric, but the task is regression; use one of dev_cost, dev_rmse, dev_mae, dev_r2' "monitor vs task"
sed -i '/^task = /d' reg.toml   # the task now comes from the data
expect_exit 2 "dev_accuracy on a regression found in the data" -- "$MLP" train reg.toml --out r2 -q
expect_err 'error: train.early_stopping.monitor = "dev_accuracy" is a classification metric' "monitor vs data task"
expect_exit 2 "unknown metric" -- "$MLP" train reg.toml --out r3 -q --set train.early_stopping.monitor=dev_auc
expect_err 'train.early_stopping.monitor must be one of dev_cost, dev_accuracy, dev_f1, dev_rmse, dev_mae, dev_r2' "unknown metric"

# ---- warm start ------------------------------------------------------------------------------
cat > conf/tune.toml <<'TOML'
[data]
train = "../iris.csv"
target = "species"
split = [0.6, 0.2, 0.2]
[model]
hidden = [8]
init_from = "../base/model.mlp"
[train]
learning_rate = 0.01
batch_size = 16
epochs = 5
seed = 1
freeze = ["layers.0"]
TOML
expect_exit 0 "warm start with layers.0 frozen" -- "$MLP" train conf/tune.toml --out tuned -q
grep -q '^init_from = "../base/model.mlp"$' tuned/config.toml && pass || fail "config.toml records init_from relative to the run"
if have_python; then
  "$PY" - <<'PY' && pass || fail "frozen layer identical, others changed"
import json, struct
def tensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n]); data = b[8 + n:]
    return {k: data[v["data_offsets"][0]:v["data_offsets"][1]] for k, v in h.items() if k != "__metadata__"}
a, b = tensors("base/model.mlp"), tensors("tuned/model.mlp")
assert a["layers.0.W"] == b["layers.0.W"] and a["layers.0.b"] == b["layers.0.b"]
assert a["layers.1.W"] != b["layers.1.W"]
PY
fi
expect_exit 2 "architecture mismatch" -- "$MLP" train conf/tune.toml --out t2 -q --set 'model.hidden=[16]'
expect_err 'tune.toml:[0-9]+:[0-9]+: error: .*base/model.mlp: the saved network does not fit the configured one: layer 0 \(layers.0\): 16 units in the configuration, 8 in the saved model' "first mismatch named"
expect_exit 66 "missing init_from file" -- "$MLP" train conf/tune.toml --out t3 -q --set model.init_from=nothing.mlp
expect_err 'model.init_from: .*nothing.mlp' "a missing init_from file is named with its key"
mkfifo conf/fifo.mlp
expect_exit 66 "a FIFO as init_from" -- "$MLP" train conf/tune.toml --out t6 -q --set model.init_from=fifo.mlp
expect_err 'model.init_from: .*fifo.mlp: not a regular file \(a FIFO\)' "a FIFO init_from is named with its key"
echo "not a model" > conf/junk.mlp
expect_exit 65 "corrupt init_from file" -- "$MLP" train conf/tune.toml --out t4 -q --set model.init_from=junk.mlp
expect_err 'model.init_from: .*junk.mlp' "a corrupt init_from file is named with its key"
expect_exit 2 "unknown frozen slice" -- "$MLP" train conf/tune.toml --out t5 -q --set 'train.freeze=["layers.5"]'
expect_err 'train.freeze: "layers.5" names no parameter slice; use a layer \(layers.0, layers.1\)' "freeze names"
# Resuming with another init_from or freeze would continue another run: refused.
expect_exit 2 "resume with another freeze" -- "$MLP" train --out tuned --resume -q --set 'train.freeze=[]'
expect_err 'train.freeze = \[\], but the run was trained with train.freeze = \["layers.0"\]' "freeze is not resume-safe"

# ---- refit -----------------------------------------------------------------------------------
expect_exit 0 "refit" -- "$MLP" train conf/iris.toml --out refit --json -q --set train.refit=true
if have_python; then
  "$PY" - <<'PY' && pass || fail "refit summary"
import json
s = json.load(open("refit/summary.json")); b = json.load(open("base/summary.json"))
assert s["refit"]["epochs"] == s["best_epoch"] == b["best_epoch"], (s["refit"], s["best_epoch"])
assert s["refit"]["examples"] == 120, s["refit"]   # 90 train + 30 dev of 150
assert s["dev"] is None and s["test"] is not None
assert s["refit"]["selected_dev"]["accuracy"] == b["dev"]["accuracy"]
PY
fi
cmp -s base/model.mlp refit/model.mlp && fail "the refit model equals the early-stopped one" || pass
expect_exit 0 "refit, human output" -- "$MLP" train conf/iris.toml --out refit2 --set train.refit=true
grep -q "refit: trained again from the initial weights for [0-9]* epochs on 120 examples" out && pass || fail "refit line"
expect_exit 2 "refit without dev" -- "$MLP" train conf/iris.toml --out refit3 -q --set train.refit=true --set 'data.split=[0.8, 0.0, 0.2]' --set train.early_stopping.enabled=false
expect_err 'error: train.refit retrains on train \+ dev .* set data.dev or a dev fraction > 0' "refit needs dev"
finish
