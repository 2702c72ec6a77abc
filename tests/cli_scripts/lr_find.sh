#!/usr/bin/env bash
# mlp lr-find: the suggestion on examples/digits.toml (Adam) trains, in a few epochs, to within
# 1 % dev accuracy of the best of a fixed grid of learning rates; the plot page; --apply writes a
# copy (never the configuration itself, not over a file without --force); usage errors.
set -u
source "$(dirname "$0")/lib.sh" "$@"
have_python || { echo "python3 needed"; exit 77; }
json_get() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

cp "$SRC/examples/digits.toml" digits.toml
mkdir -p data && cp "$SRC/examples/data/digits_8x8.csv" data/
cp digits.toml digits.orig
expect_exit 0 "lr-find --json" -- "$MLP" lr-find digits.toml --set train.threads=1 --json --html lr.html --apply tuned.toml
cp "$WORK/out" lr.json
lr=$(json_get lr.json 'j["suggested_learning_rate"]')
[ "$(json_get lr.json 'len(j["points"]) > 10 and all(p["learning_rate"] > 0 for p in j["points"])')" = True ] && pass || fail "points"
[ "$(json_get lr.json '"smoothed" in j["method"] and j["rule"] == "valley"')" = True ] && pass || fail "method"
grep -q '<svg id="chart-lr-find"' lr.html && grep -q 'log scale' lr.html && pass || fail "plot page"
cmp -s digits.toml digits.orig && pass || fail "the configuration was changed"
grep -q '^learning_rate = ' tuned.toml && grep -q '^# 8x8 handwritten digits' tuned.toml && pass || fail "tuned copy keeps the rest"

# The suggestion against a grid (10 epochs each, the same seed, one thread: the same sums everywhere): within 1 % of the best dev accuracy.
dev_acc() {
  "$MLP" train digits.toml --out "run-$1" --set train.learning_rate="$1" --set train.epochs=10 --set train.threads=1 \
    --set train.checkpoint_every=0 -q --json > "acc-$1.json" || { fail "train at $1"; echo 0; return; }
  json_get "acc-$1.json" 'j["dev"]["accuracy"]'
}
best=0
for g in 0.0001 0.0003 0.001 0.003 0.01 0.03; do
  a=$(dev_acc "$g")
  best=$("$PY" -c "print(max($best, $a))")
done
got=$(dev_acc "$lr")
echo "suggested $lr: dev accuracy $got; best of the grid $best"
[ "$("$PY" -c "print($got >= $best - 0.01)")" = True ] && pass || fail "suggestion $lr reaches $got, grid best $best"
# The copy trains the same way (it names the same data from its own folder).
mkdir -p sub
expect_exit 0 "apply into another folder" -- "$MLP" lr-find digits.toml --apply sub/tuned.toml --steps 20
expect_exit 0 "the copy trains" -- "$MLP" train sub/tuned.toml --out run-copy --set train.epochs=1 -q

expect_exit 2 "--apply onto an existing file" -- "$MLP" lr-find digits.toml --apply tuned.toml --steps 10
expect_err "exists .*--force" "refusal names --force"
expect_exit 0 "--apply --force" -- "$MLP" lr-find digits.toml --apply tuned.toml --force --steps 10
expect_exit 2 "--apply onto the configuration" -- "$MLP" lr-find digits.toml --apply ./digits.toml --force --steps 10
cmp -s digits.toml digits.orig && pass || fail "the configuration was overwritten"
expect_exit 2 "--max-lr below --min-lr" -- "$MLP" lr-find digits.toml --min-lr 1 --max-lr 0.1
expect_exit 2 "unknown rule" -- "$MLP" lr-find digits.toml --rule lowest
expect_exit 0 "--help" -- "$MLP" lr-find --help
finish
