#!/usr/bin/env bash
# mlp search: random, grid and successive-halving search over [search] on iris; the same JSON
# for 1 and 3 threads; the best trial is the lowest mean CV cost and `mlp cv` of the written
# config.toml gives the same mean; the files of the output directory; the validation errors
# (exit 2 with file:line:col); `mlp train` notes the [search] table and trains.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" .

cat > iris.toml <<'EOF'
[data]
train = "iris.csv"
target = "species"

[model]
hidden = [8]

[train]
learning_rate = 0.01
batch_size = 32
epochs = 8
seed = 3

[search]
learning_rate = {log_uniform = [1e-3, 1e-1], steps = 2}
hidden = {choice = [[4], [8, 4]]}
"train.l2" = {uniform = [0.0, 0.01], steps = 2}
EOF

# ---- random search: deterministic across thread counts ---------------------------------------
expect_exit 0 "search 1 thread" -- "$MLP" search iris.toml --trials 6 --folds 3 -j 1 --out s1 --json
cp out s1.json
grep -Eq '^trial +[0-9]+ \(8 epochs\): mean [0-9.]+' err && pass || fail "progress lines on stderr: $(head -2 err)"
expect_exit 0 "search 3 threads" -- "$MLP" search iris.toml --trials 6 --folds 3 -j 3 --out s3 --json -q
cp out s3.json
[ ! -s err ] && pass || fail "-q writes nothing on stderr"
for f in config.toml search.json search.html .mlp-run; do
  [ -f "s1/$f" ] && pass || fail "s1/$f written"
done
grep -q 'id="search-parallel"' s1/search.html && grep -q 'id="search-trials"' s1/search.html \
  && pass || fail "search.html has the table and the parallel-coordinates plot"
if have_python; then
  "$PY" - s1.json s3.json s1/search.json <<'PY' && pass || fail "JSON identical across thread counts, best = lowest mean"
import json, sys
def strip(j):
    j.pop("seconds", None)
    for t in j["trials"] + [j["best"]]:
        t.pop("seconds", None)
    return j
a, b, c = (strip(json.load(open(p))) for p in sys.argv[1:])
assert a == b, "threads change the result"
assert a == c, "stdout and search.json differ"
assert len(a["trials"]) == 6
means = [t["mean"] for t in a["trials"]]
assert means == sorted(means), means
assert a["best"]["mean"] == min(means)
assert set(a["best"]["params"]) == {"train.learning_rate", "model.hidden", "train.l2"}, a["best"]["params"]
assert all(t["epochs"] == 8 for t in a["trials"])
PY
  # The byte-for-byte form: the files with the timings removed.
  for f in s1.json s3.json; do "$PY" -c 'import json,re,sys; print(re.sub(r"\"seconds\": [0-9.e+-]+,?\n", "", open(sys.argv[1]).read()), end="")' "$f" > "$f.notime"; done
  cmp -s s1.json.notime s3.json.notime && pass || fail "JSON byte-identical apart from timings"

  # `mlp cv` of the best configuration gives the best trial's mean (each trial trains on one
  # kernel thread, so train.threads=1 reproduces it bit for bit).
  expect_exit 0 "cv of the best config" -- "$MLP" cv s1/config.toml --folds 3 --json --set train.threads=1
  "$PY" - s1.json out <<'PY' && pass || fail "mlp cv of config.toml = the best trial's mean"
import json, sys
best = json.load(open(sys.argv[1]))["best"]
cv = json.load(open(sys.argv[2]))
assert cv["mean"] == best["mean"], (cv["mean"], best["mean"])
assert cv["variance"] == best["variance"], (cv["variance"], best["variance"])
PY
fi
grep -q '^\[search\]' s1/config.toml && fail "config.toml has no [search]" || pass

# ---- grid and halving ----------------------------------------------------------------------------
expect_exit 0 "grid search" -- "$MLP" search iris.toml --method grid --folds 3 --out grid --json -q
if have_python; then
  "$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j["trials"]) == 8, len(j["trials"]); assert len({json.dumps(t["params"], sort_keys=True) for t in j["trials"]}) == 8' out \
    && pass || fail "grid: the 2×2×2 points, each once"
fi
expect_exit 2 "grid: more trials than points" -- "$MLP" search iris.toml --method grid --trials 9 --out g9
expect_err '--trials 9 is more than the 8 points' "grid size in the message"
[ ! -e g9 ] && pass || fail "nothing written after a refused search"
expect_exit 0 "halving" -- "$MLP" search iris.toml --method halving --trials 9 --eta 3 --folds 3 --out halving --json -q
if have_python; then
  "$PY" - out <<'PY' && pass || fail "halving: rungs 9×2, 3×4 (8/3 → 2), 1×8 epochs"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["rungs"] == [{"trials": 9, "epochs": 1}, {"trials": 3, "epochs": 2}, {"trials": 1, "epochs": 8}], j["rungs"]
assert j["best"]["rung"] == 2 and j["best"]["epochs"] == 8
assert sorted(t["rung"] for t in j["trials"]) == [0] * 6 + [1] * 2 + [2]
PY
fi

# ---- the output directory ----------------------------------------------------------------------
expect_exit 2 "existing search refused" -- "$MLP" search iris.toml --trials 2 --folds 3 --out s1 -q
expect_err 'already holds .*--force' "names --force"
mkdir mine && echo 'keep' > mine/config.toml
expect_exit 2 "user's config.toml never replaced" -- "$MLP" search iris.toml --trials 2 --folds 3 --out mine --force -q
[ "$(cat mine/config.toml)" = keep ] && pass || fail "the user's file is untouched"
echo 'notes' > s1/notes.txt
expect_exit 0 "--force replaces a previous search" -- "$MLP" search iris.toml --trials 2 --folds 3 --out s1 --force -q
[ "$(cat s1/notes.txt)" = notes ] && pass || fail "other files stay"

# ---- validation errors: exit 2, file:line:col ----------------------------------------------------
bad() {  # bad NAME 'SEARCH LINES' PATTERN [ARGS...]
  local name=$1 lines=$2 pattern=$3
  shift 3
  sed '/^\[search\]/,$d' iris.toml > "$name.toml"
  printf '[search]\n%s\n' "$lines" >> "$name.toml"
  expect_exit 2 "$name" -- "$MLP" search "$name.toml" --trials 2 --folds 3 --out "out-$name" "$@"
  expect_err "$pattern" "$name"
  [ ! -e "out-$name" ] && pass || fail "$name: nothing written"
}
bad unknown 'learning_rat = {choice = [0.1]}' "unknown.toml:15:1: error: unknown key search.learning_rat.*did you mean 'learning_rate'"
bad ambiguous 'patience = {choice = [1, 2]}' 'ambiguous.toml:15:1: error: search.patience is ambiguous: .*train.schedule.patience.*train.early_stopping.patience|train.early_stopping.patience.*train.schedule.patience'
bad logneg 'learning_rate = {log_uniform = [0.0, 0.1]}' 'logneg.toml:15:[0-9]+: error: search.learning_rate: log_uniform bounds must be > 0'
bad order 'l2 = {uniform = [0.1, 0.0]}' 'order.toml:15:[0-9]+: error: .*out of order'
bad empty 'hidden = {choice = []}' 'empty.toml:15:[0-9]+: error: search.hidden: choice must be a non-empty list'
bad refused 'learning_rate = {choice = [0.1, -1.0]}' 'refused.toml:15:[0-9]+: error: search.train.learning_rate: the value -1.0 is refused: .*must be > 0'
bad listkey 'hidden = {uniform = [1, 8]}' 'listkey.toml:15:[0-9]+: error: search.hidden: model.hidden .*choice'
bad field 'l2 = {uniform = [0.0, 0.1], step = 3}' "field.toml:15:[0-9]+: error: search.l2: unknown field step \\(did you mean 'steps'\\?\\)"
bad nosteps 'l2 = {uniform = [0.0, 0.1]}' 'nosteps.toml:15:[0-9]+: error: search.train.l2: a grid search needs `steps`' --method grid
bad several 'l2 = {uniform = [0.1, 0.0]}
hidden = {choice = []}' 'several.toml:15:[0-9]+: error: search.l2: .*out of order'
expect_err 'several.toml:16:[0-9]+: error: search.hidden: choice must be' "every problem reported"
head -1 err | grep -q 'several.toml:15:' && pass || fail "problems in file order: $(cat err)"
bad emptytable '' 'empty \[search\] table|no \[search\] table'
expect_exit 2 "--trials 0" -- "$MLP" search iris.toml --trials 0
expect_err 'trials' "--trials 0 names the option"
expect_exit 2 "random without --trials" -- "$MLP" search iris.toml --out nt
expect_err '--trials must be >= 1' "--trials required for random"

# ---- mlp train accepts the [search] table, with a note -------------------------------------------
expect_exit 0 "train with [search]" -- "$MLP" train iris.toml --out run -q
expect_err 'note: iris.toml:[0-9]+:[0-9]+: the \[search\] table is read by `mlp search` only' "train notes [search]"
printf 'search = 3\n' | cat - iris.toml | sed '/^\[search\]/,$d' > notable.toml
expect_exit 2 "search that is not a table" -- "$MLP" train notable.toml --out run2 -q
expect_err 'notable.toml:1:[0-9]+: error: search must be a table' "search = 3 refused"

finish
