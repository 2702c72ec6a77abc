#!/usr/bin/env bash
# Every example configuration runs as is and shows what it claims (I8: Fashion-MNIST >= 0.88).
set -u
source "$(dirname "$0")/lib.sh" "$@"
# json_get FILE EXPR: evaluates a Python expression on the JSON object `j` of FILE.
json_get() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# last_metric RUN EXPR: EXPR on the last line `j` of RUN/metrics.jsonl.
last_metric() { "$PY" -c "import json,sys; j=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print($2)" "$1/metrics.jsonl"; }
check() {  # check DESCRIPTION PYTHON_BOOL
  if [ "$("$PY" -c "print(bool($2))")" = "True" ]; then pass; else fail "$1 ($2)"; fi
}

run() {  # run NAME [extra args]: trains examples/NAME.toml into $WORK/NAME
  local name=$1
  shift
  expect_exit 0 "example $name" -- "$MLP" train "$SRC/examples/$name.toml" --out "$WORK/$name" -q --json "$@"
  cp "$WORK/out" "$WORK/$name.json"
}

run iris
check "iris test accuracy" "$(json_get iris.json 'j["test"]["accuracy"]') >= 0.9"
# iris_search: mlp train notes the [search] table and trains the base configuration; mlp search
# scores its trials (the search itself is tested in cli.search).
run iris_search
check "iris_search trains the base configuration" "$(json_get iris_search.json 'j["test"]["accuracy"]') >= 0.9"
expect_exit 0 "example iris_search searched" -- "$MLP" search "$SRC/examples/iris_search.toml" --trials 2 --folds 3 --out "$WORK/iris_search-search" --json
check "iris_search best trial" "$(json_get out 'j["best"]["mean"]') < 0.5"
run boston_housing
check "boston R² on test" "$(json_get boston_housing.json 'j["test"]["r2"]') > 0.75"
check "boston RMSE in k\$" "$(json_get boston_housing.json 'j["test"]["rmse"]') < 6"
grep -q '"B"' "$WORK/boston_housing/config.toml" && pass || fail "boston drops B"
# subscriptions: text columns one-hot encoded, the rare class "yes" weighted up (balanced). The
# same run without class weights finds fewer of the churners: the recall of "yes" on the test
# split must rise with the weights.
run subscriptions
expect_exit 0 "example subscriptions without class weights" -- "$MLP" train "$SRC/examples/subscriptions.toml" \
  --out "$WORK/subscriptions_unweighted" -q --json --set 'train.class_weight="none"'
cp "$WORK/out" "$WORK/subscriptions_unweighted.json"
yes_recall='[c["recall"] for c in j["scores"]["test"]["classes"] if c["class"] == "yes"][0]'
weighted_recall=$(json_get subscriptions.json "$yes_recall")
unweighted_recall=$(json_get subscriptions_unweighted.json "$yes_recall")
echo "subscriptions: recall of 'yes' on test $weighted_recall weighted, $unweighted_recall unweighted"
check "class weights raise the minority recall" "$weighted_recall > $unweighted_recall + 0.1"
grep -q 'plan=premium' "$WORK/subscriptions/summary.json" "$WORK/subscriptions/config.toml" 2>/dev/null || \
  "$MLP" inspect "$WORK/subscriptions/model.mlp" | grep -q 'plan=premium' && pass || fail "one-hot inputs named plan=premium"
# Two targets: one output per target, per-target and mean scores, predictions as MEDV,NOX.
run boston_multitarget
score() { json_get boston_multitarget.json "j['scores']['test']$1"; }
check "multi-target scores name MEDV and NOX" "'$(score "['targets'][0]['target']")' == 'MEDV' and '$(score "['targets'][1]['target']")' == 'NOX'"
check "multi-target MEDV R² on test" "$(score "['targets'][0]['r2']") > 0.75"
check "multi-target NOX R² on test" "$(score "['targets'][1]['r2']") > 0.8"
check "multi-target NOX RMSE in its own units" "$(score "['targets'][1]['rmse']") < 0.06"
check "multi-target mean R² is the unweighted mean" "abs($(score "['mean']['r2']") - ($(score "['targets'][0]['r2']") + $(score "['targets'][1]['r2']")) / 2) < 1e-12"
expect_exit 0 "multi-target eval" -- "$MLP" eval "$WORK/boston_multitarget/model.mlp" "$SRC/examples/data/boston_housing.csv"
for label in MEDV NOX "mean of 2 targets"; do
  grep -Eq "^$label: RMSE [0-9.e+-]+, MAE [0-9.e+-]+, R² -?[0-9.]+, MAPE [0-9.e+-]+, max error [0-9.e+-]+\$" "$WORK/out" \
    && pass || fail "multi-target eval prints '$label: RMSE …'"
done
expect_exit 0 "multi-target predict" -- "$MLP" predict "$WORK/boston_multitarget/model.mlp" "$SRC/examples/data/boston_housing.csv"
[ "$(head -1 "$WORK/out")" = "MEDV,NOX" ] && [ "$(wc -l < "$WORK/out")" -eq 507 ] && pass \
  || fail "multi-target predict writes MEDV,NOX and 506 rows"
expect_exit 0 "multi-target train text" -- "$MLP" train "$SRC/examples/boston_multitarget.toml" --out "$WORK/boston_multitarget_text" -q \
  --set train.epochs=3
grep -q "^test NOX: RMSE" "$WORK/out" && grep -q "^test mean of 2 targets: RMSE" "$WORK/out" && pass \
  || fail "mlp train prints the per-target test scores"
expect_exit 2 "multi-target classification" -- "$MLP" train "$SRC/examples/boston_multitarget.toml" --out "$WORK/mt_class" -q \
  --set 'data.task="classification"'
expect_err "data.target lists 2 columns \(MEDV, NOX\), a multi-target regression, but data.task is" "a list target cannot be classified"
run digits
check "digits test accuracy" "$(json_get digits.json 'j["test"]["accuracy"]') >= 0.93"
run digits_adagrad_gelu
check "digits with adagrad and gelu" "$(json_get digits_adagrad_gelu.json 'j["test"]["accuracy"]') >= 0.93"
# train.schedule.min_lr floors the exponential schedule: 1e-3 halves each epoch down to 1e-4.
expect_exit 0 "iris with a floored schedule" -- "$MLP" train "$SRC/examples/iris.toml" --out "$WORK/iris_min_lr" -q \
  --set 'train.schedule.type="exponential"' --set train.schedule.gamma=0.5 \
  --set train.schedule.min_lr=0.0001 --set train.epochs=8 --set train.learning_rate=0.001
check "min_lr floors exponential" "$("$PY" -c "import json,sys; print([json.loads(l)['learning_rate'] for l in open(sys.argv[1])])" "$WORK/iris_min_lr/metrics.jsonl") == [0.001, 0.0005, 0.00025, 0.000125, 0.0001, 0.0001, 0.0001, 0.0001]"
run xor
check "xor learned" "$(last_metric "$WORK/xor" 'j["train"]["accuracy"]') == 1.0"
run sin
check "sin approximated" "$(json_get sin.json 'j["test"]["rmse"]') < 0.05"
run zero_init --lint-ignore zero-init  # `mlp lint` calls it an error; the example shows why
check "zero init stays near chance" "$(json_get zero_init.json 'j["test"]["accuracy"]') < 0.5"
run vanishing_gradients
expect_exit 0 "diagnose vanishing" -- "$MLP" diagnose "$WORK/vanishing_gradients" --json
check "vanishing gradients flagged" "'vanishing' in [g['status'] for g in $(cat "$WORK/out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["gradients"])')]"
run exploding_gradients
expect_exit 0 "diagnose exploding" -- "$MLP" diagnose "$WORK/exploding_gradients" --json
check "exploding gradients flagged" "'exploding' in [g['status'] for g in $(cat "$WORK/out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["gradients"])')]"
# Without clipping the same network diverges: a clear error, exit 1.
expect_exit 1 "exploding without clipping" -- "$MLP" train "$SRC/examples/exploding_gradients.toml" --out "$WORK/explode2" -q \
  --set train.clip_norm=0 --set train.learning_rate=0.01
expect_err "non-finite" "divergence without clipping"
# W = c·I (init = "identity", init_gain = c): the back-propagated gradient ∂J/∂z, and with it the
# bias gradient norms, halve (c = 0.5) or double (c = 2) from each layer to the one below.
run vanishing
expect_exit 0 "diagnose vanishing (W = 0.5·I)" -- "$MLP" diagnose "$WORK/vanishing" --json
check "vanishing gradients flagged (W = 0.5·I)" "'vanishing' in [g['status'] for g in $(cat "$WORK/out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["gradients"])')]"
run exploding
expect_exit 0 "diagnose exploding (W = 2·I)" -- "$MLP" diagnose "$WORK/exploding" --json
check "exploding gradients flagged (W = 2·I)" "'exploding' in [g['status'] for g in $(cat "$WORK/out" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["gradients"])')]"
bias_norms() {  # bias_norms RUN C: layers.K.b / layers.K+1.b = C (±5 %) over the 10 hidden layers
  "$MLP" diagnose "$WORK/$1" --json | "$PY" -c "import json,sys; g={x['name']: x['first_epoch_norm'] for x in json.load(sys.stdin)['gradients']}; print(all(abs(g['layers.%d.b' % k] / g['layers.%d.b' % (k + 1)] / $2 - 1) < 0.05 for k in range(9)))"
}
[ "$(bias_norms vanishing 0.5)" = True ] && pass || fail "vanishing: the bias gradient norms halve per layer"
[ "$(bias_norms exploding 2)" = True ] && pass || fail "exploding: the bias gradient norms double per layer"
expect_exit 1 "exploding (W = 2·I) without clipping" -- "$MLP" train "$SRC/examples/exploding.toml" --out "$WORK/explode3" -q \
  --set train.clip_norm=0
expect_err "non-finite" "divergence without clipping"

# I8: Fashion-MNIST, the README's main job, reaches the published MLP accuracy.
if [ -r /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  run fashion_mnist
  acc=$(json_get fashion_mnist.json 'j["test"]["accuracy"]')
  echo "Fashion-MNIST test accuracy: $acc"
  check "Fashion-MNIST test accuracy >= 0.88" "$acc >= 0.88"
else
  echo "Fashion-MNIST not installed (dataset-fashion-mnist): skipped"
fi
finish
