#!/usr/bin/env bash
# mlp train: configuration errors (K1–K7), run directory, signals and resume (P1–P3, P7),
# divergence (N1), reproducibility (N7), --json.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/digits_8x8.csv" "$SRC/examples/data/boston_housing.csv" .

cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [8]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 20
seed = 1
TOML

# ---- K1–K5: every configuration error exits 2 before any data is read -------------------
bad() {  # bad NAME PATTERN -- TOML lines
  local name=$1 pattern=$2
  shift 2
  printf '%s\n' "[data]" 'train = "missing.csv"' 'target = "species"' "$@" > "$name.toml"
  expect_exit 2 "$name" -- "$MLP" train "$name.toml" --out "run-$name"
  expect_err "$pattern" "$name"
  [ ! -e "run-$name/model.mlp" ] && pass || fail "$name wrote a model"
}
bad lr_negative 'lr_negative.toml:[0-9]+:[0-9]+: error: train.learning_rate' "[model]" "hidden = [4]" "[train]" "learning_rate = -0.1"
bad lr_nan 'learning_rate' "[model]" "hidden = [4]" "[train]" "learning_rate = nan"
bad lr_inf 'learning_rate' "[model]" "hidden = [4]" "[train]" "learning_rate = inf"
bad width_zero 'model.hidden' "[model]" "hidden = [4, 0]"
bad keep_prob 'keep_prob' "[model]" "hidden = [4]" "keep_prob = 1.5"
bad epochs_zero 'train.epochs' "[model]" "hidden = [4]" "[train]" "epochs = 0"
bad batch_zero 'train.batch_size' "[model]" "hidden = [4]" "[train]" "batch_size = 0"
bad l2_negative 'train.l2' "[model]" "hidden = [4]" "[train]" "l2 = -1"
bad beta 'beta1' "[model]" "hidden = [4]" "[train]" "beta1 = 1.0"
bad unknown_key "did you mean 'learning_rate'" "[model]" "hidden = [4]" "[train]" "learnig_rate = 0.1"
bad wrong_type 'learning_rate' "[model]" "hidden = [4]" "[train]" 'learning_rate = "fast"'
bad unknown_activation "did you mean 'relu'" "[model]" "hidden = [4]" 'activation = "rleu"'
bad unknown_optimizer 'optimizer' "[model]" "hidden = [4]" "[train]" 'optimizer = "adamm"'
bad duplicate_key 'duplicate|redefin|already' "[model]" "hidden = [4]" "hidden = [5]"
bad split_sum 'split' "split = [0.8, 0.3, 0.1]" "[model]" "hidden = [4]"

# Output width that does not fit the data: found once the data is read, cites the key.
printf '%s\n' "[data]" 'train = "iris.csv"' 'target = "species"' "[model]" "hidden = [4]" 'output = "identity"' > out_identity.toml
expect_exit 2 "identity output for a classifier" -- "$MLP" train out_identity.toml --out run-oi
expect_err 'out_identity.toml:[0-9]+:[0-9]+: error: .*softmax or sigmoid' "identity output names the key"

# A missing data file: exit 66 with the path.
printf '%s\n' "[data]" 'train = "nope.csv"' 'target = "species"' "[model]" "hidden = [4]" > missing.toml
expect_exit 66 "missing data file" -- "$MLP" train missing.toml --out run-missing
expect_err 'nope.csv: No such file or directory' "missing file named"

# ---- K6: usage errors exit 2 -------------------------------------------------------------
expect_exit 2 "no config" -- "$MLP" train
expect_exit 2 "unknown flag" -- "$MLP" train iris.toml --frobnicate
expect_exit 2 "resume + force" -- "$MLP" train iris.toml --out r --resume --force
expect_exit 2 "bad --set" -- "$MLP" train iris.toml --out r --set train.learnig_rate=1
expect_err "did you mean" "--set did-you-mean"
expect_exit 0 "--help" -- "$MLP" train --help
expect_exit 0 "--version" -- "$MLP" --version
grep -q "mlp " out && pass || fail "--version prints the version"

# ---- a good run, --json, the run directory -----------------------------------------------
expect_exit 0 "train iris" -- "$MLP" train iris.toml --out run1 --json
for f in model.mlp metrics.jsonl metrics.csv config.toml report.html summary.json; do
  [ -s "run1/$f" ] && pass || fail "run1/$f missing"
done
ls run1/checkpoints/ckpt-*.mlpck >/dev/null 2>&1 && pass || fail "no checkpoint"
if /usr/bin/python3 -c 'import json' 2>/dev/null; then
  /usr/bin/python3 - run1/summary.json out <<'PY' && pass || fail "--json output"
import json, sys
for path in sys.argv[1:]:
    j = json.load(open(path))
    assert set(["model", "epochs_run", "train_seconds", "samples_per_second", "dev", "test"]) <= set(j), j
    assert j["epochs_run"] == 20
    assert set(j["test"]) >= {"loss", "accuracy"}, j["test"]
PY
fi
[ "$(wc -l < run1/metrics.jsonl)" -eq 20 ] && pass || fail "20 metrics lines"

# P7: stderr not a terminal: no carriage returns or escape codes, one line per epoch.
grep -q $'\r' err && fail "\\r in non-TTY stderr" || pass
grep -q $'\x1b' err && fail "escape codes in non-TTY stderr" || pass
[ "$(grep -c '^epoch' err)" -eq 20 ] && pass || fail "one progress line per epoch"

# K7: the directory holds a run: refuse without --force; --force overwrites.
expect_exit 2 "existing run" -- "$MLP" train iris.toml --out run1
expect_err "already holds a run" "existing run message"
expect_exit 0 "--force" -- "$MLP" train iris.toml --out run1 --force -q
# K7: an output that cannot be a directory (a regular file in the path): exit 74.
touch afile
expect_exit 74 "unwritable output" -- "$MLP" train iris.toml --out afile/run
# K6/H5: --resume with a different configuration: each changed key at its line, both values.
sed 's/hidden = \[8\]/hidden = [9]/' iris.toml > iris9.toml
expect_exit 2 "resume with another config" -- "$MLP" train iris9.toml --out run1 --resume
expect_err '^iris9.toml:[0-9]+:[0-9]+: error: model.hidden = \[9\], but the run was trained with model.hidden = \[8\]$' "resume conflict message"
expect_err '^run1: error: --resume: 1 setting differs from the run.s \(recorded in run1/checkpoints/ckpt-[0-9]+\.mlpck\); only train.epochs, train.on_divergence, train.max_recoveries, train.checkpoint_every, train.keep_checkpoints may change' "resume conflict summary"

# N7: two runs with the same seed give bit-identical models and metrics (time columns aside).
expect_exit 0 "train iris again" -- "$MLP" train iris.toml --out run2 -q
cmp -s run1/model.mlp run2/model.mlp && pass || fail "same seed: model files differ"
strip() { cut -d, -f1-7 "$1"; }
[ "$(strip run1/metrics.csv)" = "$(strip run2/metrics.csv)" ] && pass || fail "same seed: metrics differ"
expect_exit 0 "train other seed" -- "$MLP" train iris.toml --out run3 -q --set train.seed=2
cmp -s run1/model.mlp run3/model.mlp && fail "another seed gives the same model" || pass

# H5: --resume refuses every changed setting but the resume-safe ones (--set, an edited
# config.toml), listing each with the run's value and the new one; nothing is trained or written.
cp -r run1 run-resume
cp run-resume/config.toml saved.toml
expect_exit 2 "resume with changed --set" -- "$MLP" train --out run-resume --resume --set train.learning_rate=0.5 --set data.train=other.csv --set train.epochs=22
expect_err '^--set train.learning_rate=0.5: error: train.learning_rate = 0.5, but the run was trained with train.learning_rate = 0.01$' "changed learning rate listed"
expect_err '^--set data.train=other.csv: error: data.train = "other.csv", but the run was trained with data.train = ".*/iris.csv"$' "changed data file listed"
expect_err '^run-resume: error: --resume: 2 settings differ' "two changes counted"
grep -q 'train.epochs =' err && fail "train.epochs listed as a change" || pass
cmp -s saved.toml run-resume/config.toml && cmp -s run1/model.mlp run-resume/model.mlp && pass || fail "refused resume wrote files"
sed 's/^l2 = .*/l2 = 0.5/' saved.toml > run-resume/config.toml
expect_exit 2 "resume with an edited config.toml" -- "$MLP" train --out run-resume --resume
expect_err '^run-resume/config.toml:[0-9]+:[0-9]+: error: train.l2 = 0.5, but the run was trained with train.l2 = 0.0$' "edited config.toml listed"
cp saved.toml run-resume/config.toml
# Training longer is allowed: config.toml and the model record the new epochs, and the model is
# the one an uninterrupted 22-epoch run gives.
expect_exit 0 "resume with more epochs" -- "$MLP" train --out run-resume --resume --set train.epochs=22 -q
grep -q '^epochs = 22$' run-resume/config.toml && pass || fail "config.toml records the new epochs"
[ "$(wc -l < run-resume/metrics.jsonl)" -eq 22 ] && pass || fail "22 metrics lines after resuming"
expect_exit 0 "train 22 epochs" -- "$MLP" train iris.toml --out run22 -q --set train.epochs=22
cmp -s run22/model.mlp run-resume/model.mlp && pass || fail "resumed 22-epoch model differs from an uninterrupted one"

# N1: divergence stops at the first non-finite cost, exit 1, metrics kept.
cat > boston.toml <<'TOML'
[data]
train = "boston_housing.csv"
target = "MEDV"
[model]
hidden = [16, 16]
[train]
optimizer = "gd"
learning_rate = 1000.0
batch_size = 16
epochs = 5
TOML
expect_exit 1 "divergence" -- "$MLP" train boston.toml --out run-div -q
expect_err "non-finite (cost|gradient) at epoch 1 batch [0-9]+ \\(first non-finite: layers\\.[0-9]" "divergence message"
expect_err "last good checkpoint" "divergence names the checkpoint"

# ---- P1/P2/P3: SIGINT and SIGTERM, then --resume equals an uninterrupted run ---------------
cat > digits.toml <<'TOML'
[data]
train = "digits_8x8.csv"
target = "digit"
task = "classification"
[model]
hidden = [32]
keep_prob = 0.9
[train]
learning_rate = 0.003
batch_size = 4
epochs = 60
seed = 5
checkpoint_every = 10
TOML
expect_exit 0 "uninterrupted digits" -- "$MLP" train digits.toml --out ref -q
for sig in INT TERM; do
  want=$([ $sig = INT ] && echo 130 || echo 143)
  "$MLP" train digits.toml --out "run-$sig" 2> "err-$sig" &
  pid=$!
  # Signal after the first epoch: 59 epochs remain, long enough on any machine.
  for _ in $(seq 1 2000); do grep -q '^epoch' "err-$sig" 2>/dev/null && break; sleep 0.01; done
  kill -$sig $pid
  wait $pid
  got=$?
  [ "$got" -eq "$want" ] && pass || fail "SIG$sig: exit $got, expected $want"
  grep -q "resume with: mlp train --out run-$sig --resume" "err-$sig" && pass || fail "SIG$sig: no resume hint"
  expect_exit 0 "resume after SIG$sig" -- "$MLP" train --out "run-$sig" --resume -q
  cmp -s ref/model.mlp "run-$sig/model.mlp" && pass || fail "SIG$sig: resumed model differs from the uninterrupted run"
done
# P3: a truncated newest checkpoint is skipped on resume.
cp -r run-INT run-trunc
newest=$(ls run-trunc/checkpoints/ckpt-*.mlpck | sort | tail -1)
head -c 100 "$newest" > "$newest.cut" && mv "$newest.cut" "$newest"
touch run-trunc/checkpoints/ckpt-000001.mlpck.tmp.123.0
"$MLP" train --out run-trunc --resume -q > out 2> err; code=$?
[ $code -eq 0 ] && pass || fail "resume with a truncated newest checkpoint: exit $code"
grep -q "skipping an unusable checkpoint" err && pass || fail "truncated checkpoint not reported"
[ ! -e run-trunc/checkpoints/ckpt-000001.mlpck.tmp.123.0 ] && pass || fail "stale temp file kept"

# Integer class labels with data.task = "auto": classification, said in one note with the override.
cat > digits_auto.toml <<'TOML'
[data]
train = "digits_8x8.csv"
target = "digit"
[model]
hidden = [16]
[train]
epochs = 3
TOML
expect_exit 0 "digits with an automatic task" -- "$MLP" train digits_auto.toml --out run-auto --json
grep -q "^note: .*digits_8x8.csv: column 65 'digit' holds 10 distinct integers (0 … 9): classification. Set data.task = \"regression\"" err \
  && pass || fail "no note on the task decided from integer labels: $(cat err)"
grep -q '"accuracy"' out && pass || fail "integer labels not trained as classes: $(cat out)"
# A loss that implies classification decides it; mse keeps regression.
expect_exit 0 "digits, cross_entropy" -- "$MLP" train digits_auto.toml --out run-ce --set 'train.loss="cross_entropy"' --json
grep -q '"accuracy"' out && pass || fail "cross_entropy did not make it classification"
expect_exit 0 "digits, mse" -- "$MLP" train digits_auto.toml --out run-mse --set 'train.loss="mse"' --json
grep -q '"rmse"' out && ! grep -q '^note:' err && pass || fail "mse did not keep regression: $(cat out err)"

# A network too large for memory is refused before any data is read or any file is written.
expect_exit 2 "two 30000-unit layers under train.max_memory = 1024" -- "$MLP" train iris.toml --out run-huge \
  --set 'model.hidden=[30000, 30000]' --set train.max_memory=1024
expect_err "model.hidden.*would take about [0-9.]+ GiB.*more than 1 GiB \(train.max_memory\)" "memory estimate names model.hidden"
[ ! -e run-huge ] && pass || fail "a refused network left a run directory"
start=$(date +%s)
expect_exit 2 "two 200000-unit layers with the default limit" -- "$MLP" train iris.toml --out run-huge2 \
  --set 'model.hidden=[200000, 200000]'
expect_err "75 % of the .* available" "default memory limit named"
[ $(( $(date +%s) - start )) -le 5 ] && pass || fail "the memory check took more than 5 s"

# ---- usage hints: the nearest command; --set for an option named like a configuration key ---
expect_exit 2 "misspelt command" -- "$MLP" trian iris.toml
expect_err "^error: unknown command 'trian'; did you mean 'train'\?$" "nearest command"
expect_exit 2 "unknown command far from any" -- "$MLP" frobnicate
expect_err "^error: unknown command 'frobnicate'; the commands are .*train" "the commands listed"
expect_exit 2 "--epochs 5" -- "$MLP" train iris.toml --out hint-run --epochs 5
expect_err "^error: unknown option --epochs: configuration keys are set with --set; write --set train.epochs=5$" "--set for --epochs 5"
[ ! -e hint-run ] && pass || fail "a refused command line created the run directory"
expect_exit 2 "--learning-rate=0.1" -- "$MLP" train iris.toml --learning-rate=0.1
expect_err "write --set train.learning_rate=0.1$" "--set for --X=Y, dashes for underscores"
expect_exit 2 "--train.epochs 5" -- "$MLP" train iris.toml --train.epochs 5
expect_err "write --set train.epochs=5$" "--set for a whole key"
expect_exit 2 "--hidden '[16, 8]'" -- "$MLP" train iris.toml --hidden '[16, 8]'
expect_err "write --set 'model.hidden=\[16, 8\]'$" "a value with spaces is quoted for the shell"
expect_exit 2 "--epochs without a value" -- "$MLP" train iris.toml --epochs
expect_err "write --set train.epochs=VALUE$" "--set with a placeholder value"
expect_exit 2 "--jsn" -- "$MLP" train iris.toml --jsn
expect_err "^error: unknown option --jsn; did you mean --json\?$" "nearest option"
expect_exit 2 "an option near nothing" -- "$MLP" train iris.toml --zzzzzzzz
expect_err "not expected: --zzzzzzzz" "the parser's message stands"
expect_exit 2 "--epochs on predict, which has no --set" -- "$MLP" predict m.mlp in.csv --epochs 5
grep -q -- "--set" err && fail "predict offers --set: $(cat err)" || pass

# ---- the final summary: training-set metrics, labelled; a run without dev or test says so --
expect_exit 0 "train without dev or test" -- "$MLP" train iris.toml --out nodev -q --set 'data.split=[1, 0, 0]' --set train.epochs=3
grep -Eq '^train: cost [0-9.]+, accuracy [0-9.]+ \(training set: not a held-out estimate\)$' out && pass || fail "train line: $(cat out)"
grep -Eq '^(dev|test):' out && fail "dev/test lines without dev/test data" || pass
expect_err "^note: no dev or test set" "note about held-out data"
expect_exit 0 "--json without dev or test" -- "$MLP" train iris.toml --out nodev --force -q --set 'data.split=[1, 0, 0]' --set train.epochs=3 --json
if have_python; then
  "$PY" - out run1/summary.json <<'PY' && pass || fail "train metrics in --json and summary.json"
import json, sys
nodev, held = (json.load(open(p)) for p in sys.argv[1:])
assert set(nodev["train"]) >= {"loss", "accuracy"} and nodev["dev"] is None and nodev["test"] is None, nodev
assert all(set(held[k]) >= {"loss", "accuracy"} for k in ("train", "dev", "test")), held
PY
fi
grep -q '^train: ' <("$MLP" train iris.toml --out run1 --force -q) && pass || fail "train line with dev and test"

finish
