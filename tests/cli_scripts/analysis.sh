#!/usr/bin/env bash
# mlp gradcheck, mlp diagnose, mlp cv: outputs, --json contracts and exit codes.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/boston_housing.csv" .
cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [8, 6]
activation = ["tanh", "leaky_relu"]
keep_prob = [0.8, 0.9]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 15
l2 = 0.5
l1 = 0.1
seed = 1
TOML
cat > boston.toml <<'TOML'
[data]
train = "boston_housing.csv"
target = "MEDV"
drop = ["B"]
[model]
hidden = [8]
activation = "sigmoid"
[train]
learning_rate = 0.01
epochs = 10
TOML

# ---- gradcheck: passes on configured models (penalties included, dropout off) ------------
expect_exit 0 "gradcheck iris" -- "$MLP" gradcheck iris.toml
grep -q "PASSED" out && pass || fail "gradcheck prints PASSED"
grep -q "L2 included" out && grep -q "L1 included" out && pass || fail "gradcheck includes penalties"
grep -Eq "layers\.0 +[0-9.e-]+" out && grep -Eq "layers\.2 +[0-9.e-]+" out && pass || fail "per-layer errors"
expect_exit 0 "gradcheck json" -- "$MLP" gradcheck boston.toml --json
"$PY" - out <<'PY' && pass || fail "gradcheck --json contract"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["passed"] is True and j["relative_error"] < 1e-6, j
assert [l["name"] for l in j["layers"]] == ["layers.0", "layers.1"], j["layers"]
assert all(l["relative_error"] < 1e-6 for l in j["layers"])
PY
# A far too large ε makes the central differences inaccurate: the check fails with exit 1.
expect_exit 1 "gradcheck failing" -- "$MLP" gradcheck iris.toml --epsilon 0.5
grep -q "FAILED" out && pass || fail "gradcheck prints FAILED"
expect_exit 2 "gradcheck bad config" -- "$MLP" gradcheck iris.toml --set train.l2=-1
expect_exit 2 "gradcheck no config" -- "$MLP" gradcheck

# ---- diagnose ------------------------------------------------------------------------------
expect_exit 0 "train iris" -- "$MLP" train iris.toml --out run -q
expect_exit 0 "diagnose" -- "$MLP" diagnose run --baseline-error 0.01
grep -q "Verdict" out && pass || fail "diagnose verdict line"
expect_exit 0 "diagnose json" -- "$MLP" diagnose run --json
"$PY" - out <<'PY' && pass || fail "diagnose --json contract"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["verdict"] in ("high_bias", "high_variance", "high_bias_and_variance", "good_fit"), j
for k in ("train_error", "dev_error", "recommendations", "gradients"):
    assert k in j, k
assert {g["name"] for g in j["gradients"]} >= {"layers.0.W", "layers.2.b"}
PY
# The recommendations start from the run's own configuration (config.toml in the run dir).
"$PY" - out <<'PY' && pass || fail "diagnose --json reports the run's settings"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["run"]
assert r["optimizer"] == "adam" and r["early_stopping"] is False and r["epochs"] > 0, r
PY
# One source of advice: report.html lists exactly the recommendations of `mlp diagnose`, both
# starting from the run's settings (train.l2 = 0.5 here: never the generic "e.g. 0.01").
"$PY" - out run/report.html <<'PY' && pass || fail "report.html recommendations = mlp diagnose's"
import html, json, re, sys
d = json.load(open(sys.argv[1]))
page = open(sys.argv[2], encoding="utf-8").read()
ol = re.search(r'<ol class="recommendations">(.*?)</ol>', page, re.S).group(1)
items = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", ol, re.S)]
assert items == d["recommendations"], (items, d["recommendations"])
assert not any("e.g. 0.01" in r for r in items), items
PY
# Exploding gradients (examples/exploding_gradients.toml): every weight slice is flagged, and a
# run that clips is told to lower clip_norm, never to add clipping it has.
expect_exit 0 "train exploding example" -- "$MLP" train "$SRC/examples/exploding_gradients.toml" --out expl -q
expect_exit 0 "diagnose exploding example" -- "$MLP" diagnose expl --json
"$PY" - out <<'PY' && pass || fail "diagnose flags every exploding weight gradient; advice starts from clip_norm"
import json, sys
j = json.load(open(sys.argv[1]))
weights = [g for g in j["gradients"] if g["name"].endswith(".W")]
assert len(weights) == 11 and all(g["status"] == "exploding" for g in weights), weights
recs = j["recommendations"]
assert any("lower train.clip_norm from 1 to 0.1" in r for r in recs), recs
assert not any("add train.clip_norm" in r or "clip_norm = 1.0" in r for r in recs), recs
assert not any(g["remedy"] and "add train.clip_norm" in g["remedy"] for g in j["gradients"]), j["gradients"]
PY
cp -r run run_es
grep -q '^\[train.early_stopping\]' run_es/config.toml && pass || fail "config.toml has no early-stopping table"
sed -i '/^\[train.early_stopping\]/,/^\[/{s/^enabled = false/enabled = true/;s/^patience = .*/patience = 4/}' run_es/config.toml
expect_exit 0 "diagnose run with early stopping" -- "$MLP" diagnose run_es --json
"$PY" - out <<'PY' && pass || fail "diagnose reads early stopping from config.toml"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["run"]["early_stopping"] is True and j["run"]["patience"] == 4, j["run"]
assert not any("add a [train.early_stopping]" in r for r in j["recommendations"]), j["recommendations"]
PY
rm run_es/config.toml
expect_exit 0 "diagnose without config.toml" -- "$MLP" diagnose run_es --json
"$PY" - out <<'PY' && pass || fail "diagnose without config.toml: run is null"
import json, sys
assert json.load(open(sys.argv[1]))["run"] is None
PY
printf '[train]\nepochs = "ten"\n' > run_es/config.toml
expect_exit 2 "diagnose with a broken config.toml" -- "$MLP" diagnose run_es
expect_err "config.toml:2" "diagnose names the broken config line"
expect_exit 66 "diagnose not a run" -- "$MLP" diagnose .
expect_err "metrics.jsonl" "diagnose names the missing file"
head -c 40 run/metrics.jsonl > run/metrics.cut && mv run/metrics.cut run/metrics.jsonl
expect_exit 65 "diagnose damaged metrics" -- "$MLP" diagnose run
expect_exit 2 "diagnose negative baseline" -- "$MLP" diagnose run --baseline-error -1

# ---- cv ------------------------------------------------------------------------------------
expect_exit 0 "cv" -- "$MLP" cv iris.toml --folds 3 --json
"$PY" - out <<'PY' && pass || fail "cv --json contract"
import json, sys, statistics
j = json.load(open(sys.argv[1]))
losses = [f["loss"] for f in j["folds"]]
assert len(losses) == 3
assert abs(j["mean"] - statistics.mean(losses)) < 1e-9
assert abs(j["variance"] - statistics.variance(losses)) < 1e-9
assert sum(f["dev_examples"] for f in j["folds"]) == 150
PY
expect_exit 0 "cv regression" -- "$MLP" cv boston.toml --folds 2 -q
grep -q "RMSE" out && pass || fail "cv regression metrics"
expect_exit 2 "cv one fold" -- "$MLP" cv iris.toml --folds 1
finish
