#!/usr/bin/env bash
# Categorical columns and sample/class weights through the command line: a model trained with
# text columns predicts and evaluates files with unseen categories (one warning per column),
# data.unknown_category = "error" refuses them at file:line:column (exit 65), ONNX export refuses
# a categorical model (exit 2), and hostile weight columns and class_weight tables are refused
# with their location.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cd "$WORK" || exit 1

cp "$SRC/tests/fixtures/data/categorical_train.csv" train.csv
cp "$SRC/tests/fixtures/data/categorical_test.csv" test.csv
{ cat train.csv; tail -n +2 train.csv; tail -n +2 train.csv; } > train3.csv   # 24 rows
printf '[data]\ntrain = "train3.csv"\ntarget = "y"\ncategorical = ["color", "zip"]\nsplit = [0.5, 0.25, 0.25]\n[model]\nhidden = [4]\n[train]\nepochs = 5\nbatch_size = 4\nseed = 1\n' > cat.toml
expect_exit 0 "train with categorical columns" -- "$MLP" train cat.toml --out cat-run -q
expect_exit 0 "inspect lists the one-hot inputs" -- "$MLP" inspect cat-run/model.mlp
grep -q 'color=dark, red' "$WORK/out" && pass || fail "inspect names color=dark, red"

expect_exit 0 "predict with unseen categories" -- "$MLP" predict cat-run/model.mlp test.csv
expect_err "warning: column 'color': 1 row with categories not seen in training" "predict warns for color"
expect_err "warning: column 'zip': 1 row with categories not seen in training" "predict warns for zip"
[ "$(wc -l < "$WORK/out")" -eq 6 ] && pass || fail "predict writes a header and 5 rows"
expect_exit 0 "eval with unseen categories" -- "$MLP" eval cat-run/model.mlp test.csv
expect_err "warning: column 'color': 1 row with categories" "eval warns"

expect_exit 0 "train with unknown_category = error" -- "$MLP" train cat.toml --out strict-run -q \
  --set 'data.unknown_category="error"'
expect_exit 65 "predict refuses an unseen category" -- "$MLP" predict strict-run/model.mlp test.csv
expect_err "test.csv:3:5: error: column 'color': category 'purple' was not seen in training" "the cell is named"

if "$MLP" export --help >/dev/null 2>&1; then
  expect_exit 2 "ONNX export refuses a categorical model" -- "$MLP" export cat-run/model.mlp -o cat.onnx
  expect_err "categorical input columns \\(color, zip\\)" "export names the columns"
  [ ! -e cat.onnx ] && pass || fail "no ONNX file written"
fi

# Weights: a weight column, then hostile ones.
printf 'x,w,y\n1,1,a\n2,2,b\n3,0.5,a\n4,1,b\n5,1,a\n6,3,b\n7,1,a\n8,1,b\n' > w.csv
printf '[data]\ntrain = "w.csv"\ntarget = "y"\nweight = "w"\n[model]\nhidden = []\n[train]\nepochs = 2\nbatch_size = 4\nclass_weight = "balanced"\n' > w.toml
expect_exit 0 "train with sample and class weights" -- "$MLP" train w.toml --out w-run -q
printf 'x,w,y\n1,1,a\n2,nan,b\n3,1,a\n4,1,b\n' > nan.csv
expect_exit 65 "NaN weight" -- "$MLP" train w.toml --out nan-run -q --set 'data.train="nan.csv"'
expect_err "nan.csv:3:3: error: column 2 'w': weight 'nan'" "NaN weight at its cell"
printf 'x,w,y\n1,1,a\n2,-2,b\n3,1,a\n4,1,b\n' > neg.csv
expect_exit 65 "negative weight" -- "$MLP" train w.toml --out neg-run -q --set 'data.train="neg.csv"'
expect_err "neg.csv:3:3: error: column 2 'w': weight '-2'" "negative weight at its cell"
printf 'x,w,y\n1,0,a\n2,0,b\n3,0,a\n4,0,b\n' > zero.csv
expect_exit 65 "all-zero weights" -- "$MLP" train w.toml --out zero-run -q --set 'data.train="zero.csv"'
expect_err "zero.csv:1:3: error: column 2 'w': every weight is 0" "all-zero weights at the header"
expect_exit 2 "class_weight label absent from the data" -- "$MLP" train w.toml --out cw-run -q \
  --set 'train.class_weight={a = 1, c = 3}'
expect_err "names the class 'c', which is not a class of .*its classes are: a, b" "the label and the classes are named"
printf 'x,y\n1,0.5\n2,1.5\n3,2.25\n4,3.125\n5,4.5\n6,5.25\n' > reg.csv
printf '[data]\ntrain = "reg.csv"\ntarget = "y"\ntask = "regression"\n[train]\nclass_weight = "balanced"\n' > reg.toml
expect_exit 2 "class_weight on a regression" -- "$MLP" train reg.toml --out reg-run -q
expect_err "reg.toml:6:16: error: train.class_weight weights classes, but this run is a regression" "regression refused at the key"
finish
