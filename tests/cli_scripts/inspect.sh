#!/usr/bin/env bash
# mlp inspect: architecture, parameter shapes and count, normalization, names, class labels,
# provenance and format version, as text and --json; errors for missing and bad model files.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/boston_housing.csv" .

cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [8, 5]
activation = ["relu", "tanh"]
keep_prob = [0.9, 1.0]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 5
seed = 1
TOML
cat > boston.toml <<'TOML'
[data]
train = "boston_housing.csv"
target = "MEDV"
[model]
hidden = [16]
init = "glorot_uniform"
[train]
epochs = 5
seed = 3
TOML
expect_exit 0 "train iris" -- "$MLP" train iris.toml --out iris-run -q
expect_exit 0 "train boston" -- "$MLP" train boston.toml --out boston-run -q
IRIS=iris-run/model.mlp
BOSTON=boston-run/model.mlp
[ -s "$IRIS" ] && [ -s "$BOSTON" ] || { echo "training failed, cannot test inspect" >&2; exit 1; }

has() {  # has FILE EXTENDED-REGEX DESCRIPTION
  if grep -Eq -- "$2" "$1"; then pass; else fail "$3: no line matches /$2/"; fi
}

# ---- classifier, text ----------------------------------------------------------------------
expect_exit 0 "inspect iris" -- "$MLP" inspect "$IRIS"
cp out iris.txt
[ ! -s err ] && pass || fail "inspect writes nothing on stderr"
has iris.txt '^model: iris-run/model.mlp \(format version 1\)$' "file and format version"
has iris.txt '^task: classification, 3 classes$' "task"
has iris.txt '^architecture: 4 inputs -> 8 relu -> 5 tanh -> 3 softmax$' "architecture line"
has iris.txt '^  layers\.0 +8 +relu +0\.9 +layers\.0\.W \[8, 4\], layers\.0\.b \[8\]$' "layer 0: units, activation, keep_prob, shapes"
has iris.txt '^  layers\.1 +5 +tanh +1 +layers\.1\.W \[5, 8\], layers\.1\.b \[5\]$' "layer 1"
has iris.txt '^  layers\.2 +3 +softmax +1 +layers\.2\.W \[3, 5\], layers\.2\.b \[3\]$' "layer 2 (output)"
# (4+1)·8 + (8+1)·5 + (5+1)·3 weights and biases.
has iris.txt "^parameters: $(( (4 + 1) * 8 + (8 + 1) * 5 + (5 + 1) * 3 ))\$" "parameter count"
has iris.txt '^loss: cross_entropy$' "loss"
has iris.txt '^initializer: he_normal, seed 1$' "initializer and seed"
has iris.txt '^normalization: standard .*4 features$' "normalization present"
has iris.txt '^    petal_width_cm +[0-9.]+ +[0-9.]+$' "per-feature mean and std"
has iris.txt '^features \(4\): sepal_length_cm, sepal_width_cm, petal_length_cm, petal_width_cm$' "feature names"
has iris.txt '^targets: species$' "target name"
has iris.txt '^classes \(3\): setosa, versicolor, virginica$' "class labels"
has iris.txt '^provenance:$' "provenance section"

# ---- regression, text: target normalization, the feature list cut after 10 -----------------
expect_exit 0 "inspect boston" -- "$MLP" inspect "$BOSTON"
cp out boston.txt
has boston.txt '^task: regression, 1 target$' "regression task"
has boston.txt '^architecture: 13 inputs -> 16 relu -> 1 identity$' "regression architecture"
has boston.txt '^loss: mse$' "regression loss"
has boston.txt '^initializer: glorot_uniform, seed 3$' "initializer"
has boston.txt '^    … \(3 more; mlp inspect --json lists all\)$' "statistics cut after 10 features"
has boston.txt '^    TAX ' "10th feature shown"
grep -Eq '^    PTRATIO ' boston.txt && fail "11th feature should not be listed" || pass
has boston.txt '^target normalization: standard, 1 target$' "target normalization"
has boston.txt '^    MEDV +2[0-9.]+ +[0-9.]+$' "target mean in original units"
grep -q '^classes' boston.txt && fail "a regression model has no classes line" || pass

# ---- --json ------------------------------------------------------------------------------------
expect_exit 0 "inspect --json" -- "$MLP" inspect "$IRIS" --json
cp out iris.json
expect_exit 0 "inspect boston --json" -- "$MLP" inspect "$BOSTON" --json
cp out boston.json
if have_python; then
  "$PY" - iris.json boston.json iris.csv <<'PY' && pass || fail "--json content"
import csv, json, math, sys
j = json.load(open(sys.argv[1]))
assert j["format_version"] == 1 and j["task"] == "classification" and j["inputs"] == 4
assert [l["name"] for l in j["layers"]] == ["layers.0", "layers.1", "layers.2"]
assert [l["units"] for l in j["layers"]] == [8, 5, 3]
assert [l["activation"] for l in j["layers"]] == ["relu", "tanh", "softmax"]
assert [l["keep_prob"] for l in j["layers"]] == [0.9, 1.0, 1.0]
assert j["layers"][1]["parameters"] == {"layers.1.W": [5, 8], "layers.1.b": [5]}
count = sum(math.prod(s) for l in j["layers"] for s in l["parameters"].values())
assert j["parameters"] == count == 8 * 4 + 8 + 5 * 8 + 5 + 3 * 5 + 3, (j["parameters"], count)
assert j["loss"] == "cross_entropy" and j["initializer"] == "he_normal" and j["seed"] == 1
assert j["classes"] == ["setosa", "versicolor", "virginica"]
assert j["feature_names"] == ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
assert j["target_names"] == ["species"] and j["target_normalization"] is None
norm = j["normalization"]
assert [n["name"] for n in norm] == j["feature_names"]
# The statistics are those of a training split: close to, but not exactly, the whole file's.
rows = list(csv.DictReader(open(sys.argv[3])))
for n in norm:
    values = [float(r[n["name"]]) for r in rows]
    mean = sum(values) / len(values)
    assert abs(n["mean"] - mean) < 0.5 and n["std"] > 0, (n, mean)
assert isinstance(j["info"], dict) and j["info"], j["info"]
b = json.load(open(sys.argv[2]))
assert b["task"] == "regression" and b["classes"] == [] and b["target_names"] == ["MEDV"]
assert len(b["normalization"]) == 13 and b["normalization"][12]["name"] == "LSTAT"
assert [t["name"] for t in b["target_normalization"]] == ["MEDV"]
PY
else
  echo "skip: /usr/bin/python3 not available for the JSON checks"
fi

# ---- errors ------------------------------------------------------------------------------------
expect_exit 2 "inspect without MODEL" -- "$MLP" inspect
expect_err 'MODEL is required' "missing MODEL named"
expect_exit 2 "inspect with two models" -- "$MLP" inspect "$IRIS" "$BOSTON"
expect_exit 66 "missing model" -- "$MLP" inspect nope.mlp
expect_err '^error: nope.mlp: No such file or directory$' "missing model named"
expect_exit 66 "a directory as the model" -- "$MLP" inspect iris-run
expect_exit 65 "CSV as the model" -- "$MLP" inspect iris.csv
expect_err 'iris.csv: not an mlp model file' "wrong file type (M7)"
: > empty.mlp
expect_exit 65 "empty model file" -- "$MLP" inspect empty.mlp
expect_err 'empty.mlp: truncated' "empty file named"
head -c 500 "$IRIS" > truncated.mlp
expect_exit 65 "truncated model" -- "$MLP" inspect truncated.mlp
expect_err 'truncated.mlp: truncated' "truncation named"
[ ! -s out ] && pass || fail "nothing on stdout after an error"

finish
