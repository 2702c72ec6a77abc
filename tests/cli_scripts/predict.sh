#!/usr/bin/env bash
# mlp predict: CSV output (classifier labels + probabilities, regression values in original
# units), columns in any order, stdin, atomic -o (P8), --json, a closed pipe (P6), and errors.
set -u
source "$(dirname "$0")/lib.sh" "$@"
train_fixtures predict

# ---- classifier CSV -----------------------------------------------------------------------
expect_exit 0 "predict iris" -- "$MLP" predict "$IRIS" iris.csv
cp out pred.csv
[ ! -s err ] && pass || fail "predict writes nothing on stderr"
[ "$(head -1 pred.csv)" = "label,p_setosa,p_versicolor,p_virginica" ] && pass || fail "classifier header: $(head -1 pred.csv)"
[ "$(tail -n +2 pred.csv | wc -l)" -eq 150 ] && pass || fail "one output row per input row"
# Every row: probabilities in [0, 1] summing to 1, and the label is the most probable class.
awk -F, 'NR > 1 {
    s = 0; best = 2
    for (i = 2; i <= 4; i++) { if ($i < 0 || $i > 1) bad++; s += $i; if ($i > $best) best = i }
    if (s - 1 > 1e-5 || 1 - s > 1e-5) bad++
    split("x,x,setosa,versicolor,virginica", names, ",")
    if ($1 != names[best + 1]) bad++
  } END { exit bad > 0 }' pred.csv && pass || fail "probabilities sum to 1 and label = argmax"
# The predicted labels agree with the true ones as often as `mlp eval` says.
paste -d, <(tail -n +2 pred.csv | cut -d, -f1) <(tail -n +2 iris.csv | cut -d, -f5 | tr -d '\r') |
  awk -F, '$1 == $2 { c++ } END { printf "%.6f\n", c / NR }' > acc_from_predict.txt
"$MLP" eval "$IRIS" iris.csv | sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' > acc_from_eval.txt
awk 'NR == FNR { a = $1; next } { d = a - $1; exit !(d < 1e-4 && d > -1e-4) }' acc_from_predict.txt acc_from_eval.txt &&
  pass || fail "predict labels agree with eval accuracy ($(cat acc_from_predict.txt) vs $(cat acc_from_eval.txt))"
# Numbers read back as the same float32: at most 9 significant digits, no padding zeros.
tail -n +2 pred.csv | cut -d, -f2- | tr ',' '\n' | awk '{ m = $0; sub(/e.*/, "", m); gsub(/[^0-9]/, "", m); sub(/^0+/, "", m); if (length(m) > 9) bad++ } END { exit bad > 0 }' &&
  pass || fail "at most 9 significant digits"

# Feature columns in another order, an extra text column, no target column: same predictions.
awk -F, -v OFS=, '{ sub(/\r$/, ""); print "id" NR, $4, $2, $1, $3 }' iris.csv | sed '1s/^id1/id/' > reordered.csv
expect_exit 0 "predict on reordered columns without target" -- "$MLP" predict "$IRIS" reordered.csv
cmp -s out pred.csv && pass || fail "reordered columns give the same predictions"

# Standard input.
"$MLP" predict "$IRIS" - < iris.csv > stdin.csv 2>err && cmp -s stdin.csv pred.csv && pass || fail "predict from stdin ('-')"
cat iris.csv | "$MLP" predict "$IRIS" - -o - > stdin2.csv 2>err && cmp -s stdin2.csv pred.csv && pass || fail "'-o -' is stdout"

# ---- -o: atomic file output ----------------------------------------------------------------
expect_exit 0 "predict -o file" -- "$MLP" predict "$IRIS" iris.csv -o preds.csv
[ ! -s out ] && pass || fail "-o writes nothing on stdout"
cmp -s preds.csv pred.csv && pass || fail "-o file holds the full CSV"
ls | grep -q '\.tmp\.' && fail "temporary file left behind" || pass
cp preds.csv before.csv
cut -d, -f1,2 iris.csv > two_columns.csv
expect_exit 65 "failing predict -o over an existing file" -- "$MLP" predict "$IRIS" two_columns.csv -o preds.csv
cmp -s preds.csv before.csv && pass || fail "a failed predict leaves the previous output untouched"
ls | grep -q '\.tmp\.' && fail "temporary file left behind after a failure" || pass
expect_exit 74 "-o into a missing directory" -- "$MLP" predict "$IRIS" iris.csv -o no/such/dir/p.csv
expect_err 'no/such/dir/p.csv: No such file or directory' "unwritable output named"

# ---- --json --------------------------------------------------------------------------------
expect_exit 0 "predict --json" -- "$MLP" predict "$IRIS" iris.csv --json
cp out pred.json
expect_exit 0 "predict --json -o" -- "$MLP" predict "$IRIS" iris.csv --json -o jpreds.csv
cp out summary.json
cmp -s jpreds.csv pred.csv && pass || fail "--json -o writes the CSV to the file"
if have_python; then
  "$PY" - pred.json pred.csv summary.json <<'PY' && pass || fail "--json content"
import csv, json, sys
rows = json.load(open(sys.argv[1]))
table = list(csv.DictReader(open(sys.argv[2])))
assert isinstance(rows, list) and len(rows) == len(table) == 150
for r, t in zip(rows, table):
    assert list(r) == ["label", "p_setosa", "p_versicolor", "p_virginica"], list(r)
    assert r["label"] == t["label"]
    for k in ("p_setosa", "p_versicolor", "p_virginica"):
        assert r[k] == float(t[k]), (r[k], t[k])
s = json.load(open(sys.argv[3]))
assert s == {"rows": 150, "output": "jpreds.csv"}, s
PY
else
  echo "skip: /usr/bin/python3 not available for the JSON checks"
fi

# ---- a closed pipe (P6): quiet, exit 0 or 141 ---------------------------------------------
{ head -1 iris.csv; for i in $(seq 300); do tail -n +2 iris.csv; done; } > big.csv
"$MLP" predict "$IRIS" big.csv 2> pipe_err.txt | head -1 > first.txt
status=${PIPESTATUS[0]}
{ [ "$status" -eq 0 ] || [ "$status" -eq 141 ]; } && pass || fail "predict | head -1: exit $status"
[ ! -s pipe_err.txt ] && pass || fail "predict | head -1 printed: $(head -3 pipe_err.txt)"
[ "$(cat first.txt)" = "label,p_setosa,p_versicolor,p_virginica" ] && pass || fail "head -1 got the header"
# With SIGPIPE ignored the write fails with EPIPE instead: still quiet.
for fmt in "" "--json"; do
  (trap '' PIPE; "$MLP" predict "$IRIS" big.csv $fmt 2> pipe_err2.txt; echo $? > pipe_status.txt) | head -1 > /dev/null
  status=$(cat pipe_status.txt)
  { [ "$status" -eq 0 ] || [ "$status" -eq 141 ]; } && pass || fail "EPIPE $fmt: exit $status"
  [ ! -s pipe_err2.txt ] && pass || fail "EPIPE $fmt printed: $(head -3 pipe_err2.txt)"
done

# ---- regression: values in the original units ----------------------------------------------
expect_exit 0 "predict boston" -- "$MLP" predict "$BOSTON" boston_housing.csv
cp out boston_pred.csv
[ "$(head -1 boston_pred.csv)" = "MEDV" ] && pass || fail "regression header: $(head -1 boston_pred.csv)"
[ "$(tail -n +2 boston_pred.csv | wc -l)" -eq 506 ] && pass || fail "506 predictions"
# MEDV is in thousands of dollars (mean 22.5, std 9.2): predictions in those units have a mean
# near 22.5 and an RMSE of a few units; standardized outputs would have a mean near 0.
paste -d, <(tail -n +2 boston_pred.csv) <(tail -n +2 boston_housing.csv | cut -d, -f14) |
  awk -F, '{ s += $1; d = $1 - $2; q += d * d; n++ } END { m = s / n; r = sqrt(q / n); print m, r; exit !(m > 18 && m < 27 && r < 7) }' > units.txt &&
  pass || fail "regression predictions in original units (mean, RMSE: $(cat units.txt))"
# The target column may be absent or empty (rows to predict): it is not read.
cut -d, -f1-13 boston_housing.csv > boston_features.csv
expect_exit 0 "regression input without the target" -- "$MLP" predict "$BOSTON" boston_features.csv
cmp -s out boston_pred.csv && pass || fail "same predictions without the target column"
sed '2,$s/,[^,]*$/,/' boston_housing.csv > boston_empty_target.csv
expect_exit 0 "regression input with an empty target" -- "$MLP" predict "$BOSTON" boston_empty_target.csv
cmp -s out boston_pred.csv && pass || fail "same predictions with an empty target column"

# ---- errors ----------------------------------------------------------------------------------
expect_exit 2 "predict without arguments" -- "$MLP" predict
expect_exit 2 "predict without INPUT" -- "$MLP" predict "$IRIS"
expect_err 'INPUT is required' "missing INPUT named"
expect_exit 2 "-o without a value" -- "$MLP" predict "$IRIS" iris.csv -o
expect_exit 66 "missing input" -- "$MLP" predict "$IRIS" nope.csv
expect_err 'nope.csv: No such file or directory' "missing input named"
expect_exit 66 "missing model" -- "$MLP" predict nope.mlp iris.csv
expect_exit 65 "CSV as the model" -- "$MLP" predict iris.csv iris.csv
expect_err 'iris.csv: not an mlp model file' "wrong file type named"
expect_exit 65 "missing feature column" -- "$MLP" predict "$IRIS" two_columns.csv
expect_err 'missing feature column\(s\) the model was trained on: petal_length_cm, petal_width_cm' "missing columns named"
[ ! -s out ] && pass || fail "nothing on stdout after an error"
{ head -3 iris.csv; echo "5.0,3.3,1.4,0.2,daisy"; } > unseen.csv
expect_exit 65 "label unseen in training (C10)" -- "$MLP" predict "$IRIS" unseen.csv
expect_err "unseen.csv:4:[0-9]+: error: .*'daisy' was not seen in training" "unseen label named"
head -1 iris.csv > header_only.csv
expect_exit 65 "header only" -- "$MLP" predict "$IRIS" header_only.csv
expect_err 'no data rows' "empty input explained"

# ---- data.missing = "mean" (RELIABILITY C5): training means fill missing features, in training
# and in every later use of the model -------------------------------------------------------
{ echo "x,z,y"; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "$i,$((i % 3)),$((2 * i))"; done; echo ",1,5"; } > gaps_train.csv
{ echo "x,z,y"; echo "1000,,7"; echo ",2,9"; echo "2000,1,11"; } > gaps_dev.csv
cat > gaps.toml <<'TOML'
[data]
train = "gaps_train.csv"
dev = "gaps_dev.csv"
test = "gaps_dev.csv"
target = "y"
task = "regression"
missing = "mean"
[model]
hidden = [4]
[train]
epochs = 3
batch_size = 4
TOML
expect_exit 0 "train with missing = mean" -- "$MLP" train gaps.toml --out gaps-run -q
expect_exit 0 "inspect the means" -- "$MLP" inspect gaps-run/model.mlp --json
if have_python; then
  "$PY" - out <<'PY' && pass || fail "the means are the training file's (dev/test values left out)"
import json, sys
rows = {r["name"]: r["mean"] for r in json.load(open(sys.argv[1]))["missing_values"]}
assert abs(rows["x"] - 6.5) < 1e-6, rows                   # mean of 1..12; the blank and the dev file's 1000/2000 left out
assert abs(rows["z"] - (sum(i % 3 for i in range(1, 13)) + 1) / 13) < 1e-6, rows
PY
fi
{ echo "x,z"; echo ",1"; echo "6.5,1"; } > gaps_in.csv
expect_exit 0 "predict with a missing feature" -- "$MLP" predict gaps-run/model.mlp gaps_in.csv
[ "$(sed -n 2p out)" = "$(sed -n 3p out)" ] && pass || fail "a missing x predicts as x = its training mean: $(cat out)"
expect_exit 0 "eval with missing features" -- "$MLP" eval gaps-run/model.mlp gaps_dev.csv
{ echo "x,z,y"; echo "1,2,"; } > gaps_target.csv
expect_exit 65 "a missing target is not filled in" -- "$MLP" eval gaps-run/model.mlp gaps_target.csv
expect_err "gaps_target.csv:2:5: error: column 3 'y': missing target value" "missing target named"
expect_exit 65 "a model without means refuses missing values" -- "$MLP" predict "$IRIS" <(printf 'sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n,3,1,0.2\n')
expect_err "missing value" "missing value named"

# ---- finite inputs near FLT_MAX -----------------------------------------------------------
# A row of 3e38: standardized with the iris statistics it exceeds FLT_MAX, and the network
# would make NaN of it. Never nan with exit 0: the row is named, exit 65 (data error).
{ echo "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm"; echo "5.1,3.5,1.4,0.2"; echo "3e38,3e38,3e38,3e38"; } > huge_in.csv
expect_exit 65 "an output that is not finite is a data error" -- "$MLP" predict "$IRIS" huge_in.csv
expect_err "^error: huge_in.csv: row 2: the model's output is not finite \(inputs too large\?\)" "the row with the non-finite output is named"
grep -qi nan out && fail "nan in the output: $(cat out)" || pass
expect_exit 65 "the same with --json and from stdin" -- "$MLP" predict "$IRIS" - --json < huge_in.csv
expect_err "<stdin>: row 2: the model's output is not finite" "the row is named for stdin"
grep -qi nan out && fail "nan in the JSON output: $(cat out)" || pass
expect_exit 65 "the same into -o" -- "$MLP" predict "$IRIS" huge_in.csv -o huge_out.csv
[ ! -e huge_out.csv ] && pass || fail "-o FILE is not written when a row fails"
# A feature whose training values are +-3e38: standardized in double, x - mu (up to 6e38) never
# overflows, so training sees finite inputs (no divergence) and predictions are finite.
{ echo "a,big,b,y"
  for i in $(seq 1 60); do
    a=$(( (i * 37) % 19 - 9 )); b=$(( (i * 53) % 17 - 8 ))
    if [ $((i % 4)) -eq 0 ]; then big=-3e38; else big=3e38; fi
    if [ $((a + b)) -gt 0 ]; then y=pos; else y=neg; fi
    echo "$a,$big,$b,$y"
  done; } > huge_train.csv
printf '[data]\ntrain = "huge_train.csv"\ntarget = "y"\n[model]\nhidden = [8]\n[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 10\nseed = 1\n' > huge.toml
expect_exit 0 "training on a feature at +-3e38 does not diverge" -- "$MLP" train huge.toml --out huge-run -q
expect_exit 0 "and predicts on it" -- "$MLP" predict huge-run/model.mlp huge_train.csv
grep -qi nan out && fail "nan in the predictions: $(head -3 out)" || pass
[ "$(tail -n +2 out | wc -l)" -eq 60 ] && pass || fail "one prediction per row: $(wc -l < out)"

# ---- IDX images: a model trained on IDX data predicts IDX images (by name or magic bytes) ---
idx_images() {  # idx_images FILE N: N images of 2x2 pixels, bright when the index is odd
  printf "\\x00\\x00\\x08\\x03\\x00\\x00\\x00\\x$(printf %02x "$2")\\x00\\x00\\x00\\x02\\x00\\x00\\x00\\x02" > "$1"
  local i p base
  for i in $(seq 0 $(($2 - 1))); do
    base=$(( i % 2 == 1 ? 160 : 10 ))  # pixels vary from image to image within each class
    for p in 0 1 2 3; do printf "\\x$(printf %02x $(( base + (i * 7 + p * 13) % 80 )))"; done >> "$1"
  done
}
idx_labels() {  # idx_labels FILE N: 0, 1, 0, 1, ...
  printf "\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x$(printf %02x "$2")" > "$1"
  for i in $(seq 0 $(($2 - 1))); do printf "\\x$(printf %02x $((i % 2)))" >> "$1"; done
}
idx_images train-images-idx3-ubyte 40
idx_labels train-labels-idx1-ubyte 40
idx_images t10k-images-idx3-ubyte 6
idx_labels t10k-labels-idx1-ubyte 6
printf '[data]\ntrain = "train-images-idx3-ubyte"\ntrain_labels = "train-labels-idx1-ubyte"\n[model]\nhidden = [4]\n[train]\nlearning_rate = 0.05\nbatch_size = 8\nepochs = 40\nseed = 1\n' > idx.toml
expect_exit 0 "train on IDX" -- "$MLP" train idx.toml --out idx-run -q
expect_exit 0 "predict IDX images" -- "$MLP" predict idx-run/model.mlp t10k-images-idx3-ubyte
[ "$(head -1 out)" = "label,p_0,p_1" ] && pass || fail "IDX prediction header: $(head -1 out)"
[ "$(tail -n +2 out | cut -d, -f1 | tr '\n' ' ')" = "0 1 0 1 0 1 " ] && pass || fail "one row per image, in order: $(cat out)"
cp out idx_pred.csv
cp t10k-images-idx3-ubyte images.bin
expect_exit 0 "predict IDX images found by their magic bytes" -- "$MLP" predict idx-run/model.mlp images.bin
cmp -s out idx_pred.csv && pass || fail "the same predictions by magic as by name"
gzip -c t10k-images-idx3-ubyte > images.gz
expect_exit 0 "predict gzip IDX images" -- "$MLP" predict idx-run/model.mlp images.gz
cmp -s out idx_pred.csv && pass || fail "the same predictions from gzip"
expect_exit 65 "IDX images of another size" -- "$MLP" predict "$BOSTON" t10k-images-idx3-ubyte
expect_err "t10k-images-idx3-ubyte: the images have 4 pixels \(2 x 2\), but the model expects 13 inputs" "pixel count named"
# eval: the labels as the third argument or --labels; without them, the file beside is named.
expect_exit 0 "eval IDX images LABELS" -- "$MLP" eval idx-run/model.mlp t10k-images-idx3-ubyte t10k-labels-idx1-ubyte --json
grep -q '"examples": 6' out && pass || fail "eval counts 6 images: $(cat out)"
expect_exit 2 "eval IDX without labels" -- "$MLP" eval idx-run/model.mlp t10k-images-idx3-ubyte
expect_err "need their labels: mlp eval MODEL IMAGES LABELS \(here probably: mlp eval idx-run/model.mlp t10k-images-idx3-ubyte t10k-labels-idx1-ubyte\)" "labels beside suggested"
expect_exit 2 "LABELS and --labels" -- "$MLP" eval idx-run/model.mlp t10k-images-idx3-ubyte t10k-labels-idx1-ubyte --labels t10k-labels-idx1-ubyte

# ---- text in a feature column: the column, line:col, and how to fix it ----------------------
{ head -1 iris.csv; echo "5.0,3.1,1.4,0.2,setosa"; echo "5.0,abc,1.4,0.2,setosa"; } > text_feature.csv
expect_exit 65 "text in a feature column" -- "$MLP" predict "$IRIS" text_feature.csv
expect_err "^text_feature.csv:3:5: error: column 2 'sepal_width_cm': expected a number, found 'abc'; 'sepal_width_cm' is a numeric feature .*encode its values as numbers" "text column named, with the remedy"

finish
