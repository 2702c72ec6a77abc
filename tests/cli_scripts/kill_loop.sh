#!/usr/bin/env bash
# SIGKILL at random moments (RELIABILITY P3): a tiny run with a checkpoint every epoch is started
# or resumed and killed after a random short sleep, over and over (including during checkpoint
# writes); every run that gets to finish, and the final resume, must give a model.mlp
# bit-identical to an uninterrupted run. No checkpoint under its final name may ever be unusable,
# and no *.tmp.* file may ever be loaded (stale ones are removed on resume).
# Bounded: at most KILL_LOOP_ITERATIONS (default 40) kills and about KILL_LOOP_SECONDS (default 40)
# seconds of killing.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" .
iterations=${KILL_LOOP_ITERATIONS:-40}
budget=${KILL_LOOP_SECONDS:-40}
RANDOM=20240611   # the sleeps are reproducible; the moments they hit are not

cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [16]
keep_prob = 0.9
[train]
optimizer = "adam"
learning_rate = 0.01
batch_size = 8
epochs = 30
seed = 3
checkpoint_every = 1
keep_checkpoints = 2
TOML

t0=$(date +%s%N)
expect_exit 0 "uninterrupted run" -- "$MLP" train iris.toml --out ref -q
run_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# Kill anywhere in the first half of a whole run's time (a resumed run has less to do).
window=$(( run_ms / 2 + 1 ))
echo "uninterrupted run: ${run_ms} ms; kill window 0..${window} ms"

# Temporaries a killed run leaves in the run directory and in checkpoints/ are removed on resume.
cp -r ref stale
touch stale/model.mlp.tmp.99999.0 stale/metrics.jsonl.tmp.99999.1 stale/checkpoints/ckpt-000001.mlpck.tmp.99999.2
expect_exit 0 "resume with stale temporaries" -- "$MLP" train --out stale --resume -q
[ -z "$(find stale -name '*.tmp.*')" ] && pass || fail "stale temporaries kept: $(find stale -name '*.tmp.*' | tr '\n' ' ')"

kills=0           # runs ended by SIGKILL
kills_in_write=0  # ... that left a temporary file behind (killed during an atomic write)
completed=0       # runs that finished before their kill and were compared with the reference
resumes=0
fresh=0
bad_loads=0
start=$(date +%s)
for i in $(seq 1 "$iterations"); do
  [ $(( $(date +%s) - start )) -lt "$budget" ] || break
  if [ -e run/config.toml ] && ls run/checkpoints/ckpt-*.mlpck >/dev/null 2>&1; then
    args=(--out run --resume)
    resumes=$((resumes + 1))
  else
    args=(iris.toml --out run --force)   # killed before the first checkpoint: start again
    fresh=$((fresh + 1))
  fi
  "$MLP" train "${args[@]}" > "out.$i" 2> "err.$i" &
  pid=$!
  ms=$(( (RANDOM * 32768 + RANDOM) % window ))
  sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
  kill -KILL $pid 2>/dev/null
  { wait $pid; } 2>/dev/null
  code=$?
  if grep -q "skipping an unusable checkpoint" "err.$i"; then
    bad_loads=$((bad_loads + 1))
    fail "iteration $i: a checkpoint under its final name was unusable: $(grep skipping "err.$i" | head -1)"
  fi
  if grep -Eq "resuming from .*\.tmp\." "err.$i"; then fail "iteration $i: resumed from a temporary file"; fi
  if [ $code -eq 137 ]; then
    kills=$((kills + 1))
    find run -name '*.tmp.*' 2>/dev/null | grep -q . && kills_in_write=$((kills_in_write + 1))
  elif [ $code -eq 0 ]; then
    completed=$((completed + 1))
    cmp -s ref/model.mlp run/model.mlp && pass || fail "iteration $i: finished run differs from the uninterrupted one"
    rm -rf run   # and start over
  else
    fail "iteration $i: exit $code ($(tail -1 "err.$i"))"
  fi
done

# Resume to completion; the result equals the uninterrupted run.
if [ -e run/config.toml ] && ls run/checkpoints/ckpt-*.mlpck >/dev/null 2>&1; then
  expect_exit 0 "final resume" -- "$MLP" train --out run --resume -q
  grep -q "skipping an unusable checkpoint" "$WORK/err" && fail "final resume skipped an unusable checkpoint" || pass
  cmp -s ref/model.mlp run/model.mlp && pass || fail "final model differs from the uninterrupted run"
  [ -z "$(find run -name '*.tmp.*')" ] && pass || fail "temporary files left after the final resume"
else
  expect_exit 0 "final run" -- "$MLP" train iris.toml --out run --force -q
  cmp -s ref/model.mlp run/model.mlp && pass || fail "final model differs from the uninterrupted run"
fi
completed=$((completed + 1))

[ "$kills" -ge 5 ] && pass || fail "only $kills kills landed (machine too slow for the window?)"
echo "kills survived: $kills (during an atomic write: $kills_in_write); resumes: $resumes; fresh starts: $fresh;" \
     "runs finished and compared: $completed; unusable checkpoints: $bad_loads; $(( $(date +%s) - start )) s"
finish
