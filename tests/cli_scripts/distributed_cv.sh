#!/usr/bin/env bash
# `mlp cv` and `mlp search` under Open MPI (docs/distributed.md, "Cross-validation and search over
# ranks"): fold k / trial k on rank k mod N, the results exchanged, so N = 1, 2, 3 ranks print the
# --json of one process (3 folds uneven over 2 ranks; "ranks" apart, and "seconds" for search);
# rank 0 alone prints and writes; a failing fold or search ends every rank with a non-zero exit.
# Registered only when the build has MPI (MLP_MPI); skips (77) without mpirun.
source "$(dirname "$0")/lib.sh" "$1" "$2"

"$MLP" --version > version.txt 2>&1
if ! grep -q "distributed training: Open MPI" version.txt || ! command -v mpirun > /dev/null; then
  echo "skip: this mlp has no MPI support or mpirun is missing ($(tail -1 version.txt))"
  exit 77
fi
if ! have_python; then
  echo "skip: the --json comparisons need /usr/bin/python3"
  exit 77
fi

# As in distributed.sh: root in a container without a network, shared memory only.
mpi() {  # mpi N args...  — mpirun of mlp on N ranks, at most 120 s
  local n=$1
  shift
  timeout 120 mpirun --allow-run-as-root --oversubscribe --bind-to none \
    --mca btl self,vader --mca btl_vader_single_copy_mechanism none \
    -x OMP_NUM_THREADS=1 -np "$n" "$MLP" "$@"
}
export OMP_NUM_THREADS=1

cp "$SRC/examples/data/digits_8x8.csv" .
cat > digits.toml <<'EOF'
[data]
train = "digits_8x8.csv"
target = "digit"
task = "classification"
[model]
hidden = [16]
activation = "relu"
[train]
optimizer = "adam"
learning_rate = 0.003
batch_size = 50
epochs = 2
seed = 3
threads = 1
[search]
learning_rate = {log_uniform = [1e-3, 1e-2]}
hidden = {choice = [[8], [16]]}
EOF

# same A B [IGNORED...]: the two JSON files are equal once the IGNORED keys are dropped everywhere.
same() {
  "$PY" - "$@" <<'EOF'
import json, sys
a, b, ignored = sys.argv[1], sys.argv[2], set(sys.argv[3:])
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in ignored}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
sys.exit(0 if strip(json.load(open(a))) == strip(json.load(open(b))) else 1)
EOF
}

# ---- mlp cv: N ranks print the fold results of one process ------------------------------------------
expect_exit 0 "cv, one process" -- "$MLP" cv digits.toml --folds 3 --json
cp out cv1.json
grep -q '"ranks": 1' cv1.json && pass || fail "cv --json of one process says \"ranks\": 1"
for n in 1 2 3; do
  expect_exit 0 "cv, mpirun -np $n" -- mpi "$n" cv digits.toml --folds 3 --json
  cp out "cv$n-ranks.json"
  grep -q "\"ranks\": $n" out && pass || fail "cv np $n: --json says \"ranks\": $n"
  [ "$(grep -c '"folds"' out)" -eq 1 ] && pass || fail "cv np $n: one JSON object on stdout (rank 0's)"
  same cv1.json "cv$n-ranks.json" ranks && pass || fail "cv np $n: the fold results differ from one process's"
  [ "$(grep -c '^fold 1/3' err)" -eq 1 ] && [ "$(grep -c '^fold 3/3' err)" -eq 1 ] && pass ||
    fail "cv np $n: one progress line per fold (rank 0's)"
done
expect_exit 0 "cv text, mpirun -np 2" -- mpi 2 cv digits.toml --folds 3 -q
[ "$(grep -c 'cross-validation of' out)" -eq 1 ] && [ ! -s err ] && pass || fail "cv np 2: the text printed once, nothing on stderr"

# ---- mlp search: N ranks find the best trial and the scores of one process ---------------------------
expect_exit 0 "search, one process" -- "$MLP" search digits.toml --trials 4 --folds 3 --out s1 --json
cp out s1.json
for n in 2 3; do
  expect_exit 0 "search, mpirun -np $n" -- mpi "$n" search digits.toml --trials 4 --folds 3 --out "s$n" --json -j 1
  cp out "s$n-ranks.json"
  grep -q "\"ranks\": $n" out && pass || fail "search np $n: --json says \"ranks\": $n"
  [ "$(grep -c '"method"' out)" -eq 1 ] && pass || fail "search np $n: one JSON object on stdout (rank 0's)"
  same s1.json "s$n-ranks.json" ranks seconds && pass || fail "search np $n: best trial or scores differ from one process's"
  same s1.json "s$n/search.json" ranks seconds && pass || fail "search np $n: search.json differs from one process's"
  [ "$(cd s1 && ls -A | sort)" = "$(cd "s$n" && ls -A | sort)" ] && pass || fail "search np $n: other files than one process's"
  cmp -s <(grep -v '^#' s1/config.toml) <(grep -v '^#' "s$n/config.toml") && pass || fail "search np $n: another best config.toml"
  for t in 0 1 2 3; do
    [ "$(grep -Ec "^trial +$t " err)" -eq 1 ] || { fail "search np $n: trial $t reported $(grep -Ec "^trial +$t " err) times"; break; }
  done
  pass
done
expect_exit 0 "halving, one process" -- "$MLP" search digits.toml --method halving --trials 9 --folds 3 --out h1 --json -q --set train.epochs=3
cp out h1.json
expect_exit 0 "halving, mpirun -np 2" -- mpi 2 search digits.toml --method halving --trials 9 --folds 3 --out h2 --json -q --set train.epochs=3
same h1.json out ranks seconds && pass || fail "halving np 2: the rungs' survivors or scores differ from one process's"
expect_exit 2 "search np 2 into an existing search" -- mpi 2 search digits.toml --trials 4 --folds 3 --out s2 -q
[ "$(grep -c 'already holds' err)" -eq 1 ] && pass || fail "search np 2: rank 0 alone refuses the existing directory, once"

# ---- a failure ends every rank, rank 0 naming it -------------------------------------------------------
# Plain gradient descent with a learning rate of 1e30 diverges in every fold and every trial.
bad=(--set train.optimizer=gd --set train.learning_rate=1e30)
expect_exit 1 "cv, one process, diverging" -- "$MLP" cv digits.toml --folds 3 -q "${bad[@]}"
for n in 2 3; do
  t0=$(date +%s)
  mpi "$n" cv digits.toml --folds 3 -q "${bad[@]}" > out 2> err
  code=$?
  { [ "$code" -ne 0 ] && [ "$code" -ne 124 ]; } && pass || fail "cv np $n, diverging: exit $code (124: a rank hung)"
  [ "$(grep -c '^error: non-finite' err)" -eq 1 ] && pass || fail "cv np $n, diverging: one error line (rank 0's)"
  echo "cv np $n, diverging: exit $code after $(( $(date +%s) - t0 )) s"
done
# With 2.3 times Adam's usual step size plain gradient descent diverges in the third fold only, so
# that on 3 ranks rank 2 alone fails: the others learn it and stop, rank 0 prints its error. Checked
# against one process first (which prints folds 1 and 2, then the error).
edge=(--set train.optimizer=gd --set train.learning_rate=4.6)
"$MLP" cv digits.toml --folds 3 "${edge[@]}" > out 2> err
if [ "$(grep -c '^fold [12]/3' err)" -eq 2 ] && grep -q '^error: non-finite' err; then
  mpi 3 cv digits.toml --folds 3 -q "${edge[@]}" > out 2> err
  code=$?
  { [ "$code" -ne 0 ] && [ "$code" -ne 124 ]; } && pass || fail "cv np 3, fold 3 diverging on rank 2: exit $code"
  [ "$(grep -c '^error: non-finite' err)" -eq 1 ] && pass || fail "cv np 3, fold 3 diverging: one error line (rank 0's)"
  [ ! -s out ] && pass || fail "cv np 3, fold 3 diverging: no result printed"
else
  echo "note: with ${edge[*]} one process does not fail in fold 3 alone here; that case is left out"
fi
# A search whose every trial diverges ends with the first trial's error (its learning rate not searched).
sed '/^learning_rate = {/d' digits.toml > hidden-only.toml
expect_exit 1 "search, one process, every trial diverging" -- "$MLP" search hidden-only.toml --trials 2 --folds 3 --out sf1 -q "${bad[@]}"
expect_err "non-finite" "search, one process, every trial diverging: the first trial's error"
mpi 2 search hidden-only.toml --trials 3 --folds 3 --out sf2 -q "${bad[@]}" > out 2> err
code=$?
{ [ "$code" -ne 0 ] && [ "$code" -ne 124 ]; } && pass || fail "search np 2, every trial diverging: exit $code"
[ "$(grep -c '^error: non-finite' err)" -eq 1 ] && pass || fail "search np 2, every trial diverging: one error line (rank 0's)"
[ ! -e sf2 ] && pass || fail "search np 2, every trial diverging: no output directory"

finish
