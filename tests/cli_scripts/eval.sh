#!/usr/bin/env bash
# mlp eval: metrics of a trained classifier (accuracy, confusion matrix) and regressor (RMSE,
# MAE, R² in original units), --json, stdin, IDX input, and the errors: usage (2), bad model or
# data (65), missing files (66), a class label unseen in training (C10).
set -u
source "$(dirname "$0")/lib.sh" "$@"
train_fixtures eval

# ---- classifier: text ---------------------------------------------------------------------
expect_exit 0 "eval iris" -- "$MLP" eval "$IRIS" iris.csv
cp out eval-iris.txt
grep -Eq '^cost [0-9.]+, accuracy [0-9.]+$' eval-iris.txt && pass || fail "cost/accuracy line: $(cat eval-iris.txt)"
grep -q '^confusion matrix (rows: true class, columns: predicted class)$' eval-iris.txt && pass || fail "confusion title"
grep -Eq '^true \\ predicted +setosa +versicolor +virginica$' eval-iris.txt && pass || fail "confusion header names the classes"
# The three matrix rows: named by the true class, counts add up to the 150 rows of the file,
# and the diagonal over the total is the accuracy printed above.
awk '
  /^accuracy|, accuracy/ { split($0, a, "accuracy "); acc = a[2] + 0 }
  /^confusion matrix/ { matrix = 1 }
  matrix && ($1 == "setosa" || $1 == "versicolor" || $1 == "virginica") {
    rows++; for (i = 2; i <= NF; i++) { total += $i; if (i - 1 == rows) diag += $i }
  }
  END {
    if (rows != 3 || total != 150) { print "rows " rows " total " total; exit 1 }
    d = diag / total - acc; if (d < 0) d = -d
    if (d > 1e-4) { print "diag/total " diag/total " vs accuracy " acc; exit 1 }
  }' eval-iris.txt && pass || fail "confusion matrix rows, total and diagonal"
sed -n 's/.*accuracy \([0-9.]*\).*/\1/p' eval-iris.txt | awk '{ exit !($1 >= 0.8) }' && pass || fail "iris accuracy >= 0.8"

# The per-class table (scikit-learn's classification_report layout), log-loss and ROC-AUC.
grep -Eq '^ +precision +recall +f1 +support$' eval-iris.txt && pass || fail "per-class table header"
grep -Eq '^macro avg +[0-9.]+ +[0-9.]+ +[0-9.]+ +150$' eval-iris.txt && pass || fail "macro avg row"
grep -Eq '^weighted avg +[0-9.]+ +[0-9.]+ +[0-9.]+ +150$' eval-iris.txt && pass || fail "weighted avg row"
grep -Eq '^log-loss [0-9.]+, ROC-AUC [0-9.]+ \(one-vs-rest, macro\)$' eval-iris.txt && pass || fail "log-loss and ROC-AUC line"

# ---- classifier: --json, stdin --------------------------------------------------------------
expect_exit 0 "eval iris --json" -- "$MLP" eval "$IRIS" iris.csv --json
cp out eval-iris.json
[ ! -s err ] && pass || fail "eval --json writes nothing on stderr"
if have_python; then
  "$PY" - eval-iris.json <<'PY' && pass || fail "eval --json content"
import json, sys
j = json.load(open(sys.argv[1]))
assert {"loss", "accuracy"} <= set(j), j
assert "rmse" not in j
assert j["classes"] == ["setosa", "versicolor", "virginica"], j["classes"]
c = j["confusion"]
assert len(c) == 3 and all(len(r) == 3 for r in c)
total = sum(map(sum, c))
assert total == j["examples"] == 150, (total, j["examples"])
assert abs(sum(c[k][k] for k in range(3)) / total - j["accuracy"]) < 1e-12
assert 0 < j["loss"] < 1.0 and j["accuracy"] >= 0.8, j
PY
else
  echo "skip: /usr/bin/python3 not available for the JSON checks"
fi
# The scores against scikit-learn on the probabilities that mlp predict prints (floats written
# exactly), and the regression scores further below.
if have_python && "$PY" -c "import sklearn" 2>/dev/null; then
  "$MLP" predict "$IRIS" iris.csv > iris-proba.csv 2>err
  "$PY" - eval-iris.json iris-proba.csv iris.csv <<'PY' && pass || fail "eval --json scores equal scikit-learn's"
import csv, json, sys
import numpy as np
from sklearn import metrics
j = json.load(open(sys.argv[1]))
s = j["scores"]
rows = list(csv.DictReader(open(sys.argv[2])))
names = j["classes"]
P = np.array([[float(r["p_" + n]) for n in names] for r in rows])
truth = [r[[k for k in r if k.lower() in ("species", "class", "label", "target")][0]]
         for r in csv.DictReader(open(sys.argv[3]))]
y = np.array([names.index(t) for t in truth])
pred = P.argmax(axis=1)
rep = metrics.classification_report(y, pred, labels=[0, 1, 2], output_dict=True, zero_division=0)
for i, c in enumerate(s["classes"]):
    assert c["class"] == names[i]
    for k, ref in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
        assert abs(c[k] - rep[str(i)][ref]) < 1e-12, (i, k, c[k], rep[str(i)][ref])
    assert c["support"] == rep[str(i)]["support"]
for ours, theirs in (("macro_avg", "macro avg"), ("weighted_avg", "weighted avg")):
    assert abs(s[ours]["f1"] - rep[theirs]["f1-score"]) < 1e-12, (ours, s[ours], rep[theirs])
assert s["confusion"] == metrics.confusion_matrix(y, pred).tolist() == j["confusion"]
assert abs(s["log_loss"] - metrics.log_loss(y, P)) < 1e-9, (s["log_loss"], metrics.log_loss(y, P))
auc = metrics.roc_auc_score(y, P, multi_class="ovr", average="macro")
assert abs(s["roc_auc"] - auc) < 1e-12, (s["roc_auc"], auc)
PY
else
  echo "skip: scikit-learn (python3-sklearn) not available for the scores oracle"
fi
"$MLP" eval "$IRIS" - --json < iris.csv > stdin.json 2>err && cmp -s stdin.json eval-iris.json && pass || fail "eval from stdin ('-') equals eval from the file"

# Feature columns in another order, an extra column: the same metrics.
awk -F, -v OFS=, '{ sub(/\r$/, ""); print $5, "note", $4, $3, $2, $1 }' iris.csv > shuffled.csv
expect_exit 0 "eval on reordered columns" -- "$MLP" eval "$IRIS" shuffled.csv --json
cmp -s out eval-iris.json && pass || fail "reordered columns give the same metrics"

# ---- regression ---------------------------------------------------------------------------
expect_exit 0 "eval boston" -- "$MLP" eval "$BOSTON" boston_housing.csv
grep -Eq '^cost [0-9.]+, RMSE [0-9.e+-]+, MAE [0-9.e+-]+, R² -?[0-9.]+$' out && pass || fail "regression metrics line: $(cat out)"
expect_exit 0 "eval boston --json" -- "$MLP" eval "$BOSTON" boston_housing.csv --json
cp out eval-boston.json
# RMSE and MAE recomputed from the predictions (original units) and the MEDV column.
"$MLP" predict "$BOSTON" boston_housing.csv > pred.csv 2>err && pass || fail "predict boston"
paste -d, <(tail -n +2 pred.csv) <(tail -n +2 boston_housing.csv | cut -d, -f14) |
  awk -F, '{ d = $1 - $2; s += d * d; a += (d < 0 ? -d : d); n++ } END { printf "%.9g %.9g %d\n", sqrt(s / n), a / n, n }' > recomputed.txt
if have_python; then
  "$PY" - eval-boston.json recomputed.txt <<'PY' && pass || fail "regression --json content and units"
import json, sys
j = json.load(open(sys.argv[1]))
assert {"loss", "rmse", "mae", "r2"} <= set(j) and "accuracy" not in j, j
rmse, mae, n = open(sys.argv[2]).read().split()
assert int(n) == j["examples"] == 506
# Metrics are in the units of MEDV (thousands of dollars): a model that learnt anything has an
# RMSE of a few units (the standard deviation of MEDV is 9.2) and a positive R².
assert abs(float(rmse) - j["rmse"]) <= 1e-4 * j["rmse"], (rmse, j["rmse"])
assert abs(float(mae) - j["mae"]) <= 1e-4 * j["mae"], (mae, j["mae"])
assert 0.5 < j["r2"] <= 1 and 0 < j["rmse"] < 7, j
PY
fi
grep -Eq '^MEDV: RMSE [0-9.e+-]+, MAE [0-9.e+-]+, R² -?[0-9.]+, MAPE [0-9.e+-]+, max error [0-9.e+-]+$' \
  <("$MLP" eval "$BOSTON" boston_housing.csv) && pass || fail "per-target scores line"
if have_python && "$PY" -c "import sklearn" 2>/dev/null; then
  # Per-target scores against scikit-learn on the printed predictions (units of MEDV; the
  # predictions are un-standardized in float, hence 1e-5 relative).
  "$PY" - eval-boston.json pred.csv boston_housing.csv <<'PY' && pass || fail "regression scores equal scikit-learn's"
import csv, json, sys
import numpy as np
from sklearn import metrics
t = json.load(open(sys.argv[1]))["scores"]["targets"]
assert len(t) == 1 and t[0]["target"] == "MEDV", t
pred = np.array([float(r["MEDV"]) for r in csv.DictReader(open(sys.argv[2]))])
y = np.array([float(r["MEDV"]) for r in csv.DictReader(open(sys.argv[3]))])
for key, ref in (("rmse", np.sqrt(metrics.mean_squared_error(y, pred))),
                 ("mae", metrics.mean_absolute_error(y, pred)), ("r2", metrics.r2_score(y, pred)),
                 ("mape", metrics.mean_absolute_percentage_error(y, pred)),
                 ("max_error", metrics.max_error(y, pred))):
    assert abs(t[0][key] - ref) <= 1e-5 * abs(ref), (key, t[0][key], ref)
PY
fi

# ---- IDX images with --labels (a 2x2-pixel "image" per iris-like example) ------------------
printf '\x00\x00\x08\x03\x00\x00\x00\x03\x00\x00\x00\x02\x00\x00\x00\x02' > imgs-ubyte
printf '\x10\x20\x30\x40\x50\x60\x70\x80\x90\xa0\xb0\xc0' >> imgs-ubyte
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01\x02' > lbls-ubyte
expect_exit 0 "eval IDX images with --labels" -- "$MLP" eval "$IRIS" imgs-ubyte --labels lbls-ubyte --json
grep -q '"examples": 3' out && pass || fail "IDX eval counts 3 examples"
cp imgs-ubyte images.bin
expect_exit 2 "IDX images (by magic) without --labels" -- "$MLP" eval "$IRIS" images.bin
expect_err 'images.bin: IDX images need their labels' "IDX without labels says so"
expect_exit 2 "IDX data for a regression model" -- "$MLP" eval "$BOSTON" imgs-ubyte --labels lbls-ubyte
expect_err 'regression model' "IDX with a regression model"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01\x07' > badlbls-ubyte
expect_exit 65 "IDX label outside the model's classes" -- "$MLP" eval "$IRIS" imgs-ubyte --labels badlbls-ubyte

# ---- usage errors: exit 2 ------------------------------------------------------------------
expect_exit 2 "eval without arguments" -- "$MLP" eval
expect_exit 2 "eval without DATA" -- "$MLP" eval "$IRIS"
expect_err 'DATA is required' "missing DATA named"
expect_exit 2 "eval with an unknown flag" -- "$MLP" eval "$IRIS" iris.csv --frobnicate
expect_exit 0 "eval --help" -- "$MLP" eval --help

# ---- missing and bad files -----------------------------------------------------------------
expect_exit 66 "missing model" -- "$MLP" eval nope.mlp iris.csv
expect_err '^error: nope.mlp: No such file or directory' "missing model named"
expect_exit 66 "missing data" -- "$MLP" eval "$IRIS" nope.csv
expect_err 'nope.csv: No such file or directory' "missing data named"
expect_exit 66 "directory as data" -- "$MLP" eval "$IRIS" .
expect_exit 65 "CSV given as the model" -- "$MLP" eval iris.csv iris.csv
expect_err 'iris.csv: not an mlp model file' "wrong file type named (M7)"
head -c 300 "$IRIS" > truncated.mlp
expect_exit 65 "truncated model" -- "$MLP" eval truncated.mlp iris.csv
expect_err 'truncated.mlp: truncated' "truncated model named"
cp "$IRIS" flipped.mlp
size=$(stat -c %s flipped.mlp)
printf '\x55' | dd of=flipped.mlp bs=1 seek=$((size - 3)) conv=notrunc status=none
expect_exit 65 "corrupted model" -- "$MLP" eval flipped.mlp iris.csv
expect_err 'flipped.mlp: checksum mismatch' "corruption detected by the checksum"

# ---- data that does not fit the model ------------------------------------------------------
cut -d, -f1,2,3,5 iris.csv > no_petal_width.csv
expect_exit 65 "missing feature column" -- "$MLP" eval "$IRIS" no_petal_width.csv
expect_err 'missing feature column\(s\) the model was trained on: petal_width_cm' "missing column named"
cut -d, -f1-4 iris.csv > features_only.csv
expect_exit 65 "no target column" -- "$MLP" eval "$IRIS" features_only.csv
expect_err 'no target column \(species\)' "eval needs the target"
{ head -3 iris.csv; echo "5.0,3.3,1.4,0.2,daisy"; } > unseen.csv
expect_exit 65 "label unseen in training (C10)" -- "$MLP" eval "$IRIS" unseen.csv
expect_err "unseen.csv:4:[0-9]+: error: .*'daisy' was not seen in training; known classes: setosa, versicolor, virginica" "unseen label named with its position"
expect_exit 65 "classifier data for a regression model" -- "$MLP" eval "$BOSTON" iris.csv
expect_err 'missing feature column' "boston model on iris data"
{ head -1 iris.csv; echo "5.0,abc,1.4,0.2,setosa"; } > text_feature.csv
expect_exit 65 "text in a feature column" -- "$MLP" eval "$IRIS" text_feature.csv
expect_err "text_feature.csv:2:[0-9]+: error: .*sepal_width_cm.*'abc'" "bad value with position"
[ ! -s out ] && pass || fail "nothing on stdout after an error"

finish
