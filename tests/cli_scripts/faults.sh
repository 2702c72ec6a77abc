#!/usr/bin/env bash
# I/O faults during `mlp train` (RELIABILITY P4, P5, P6, P8):
#   - disk full (a) on a size-limited tmpfs (root only; skipped when mount fails), swept over every
#     size so that the write of a checkpoint, a metrics file and the model each hits ENOSPC;
#     (b) unprivileged, `ulimit -f` with SIGXFSZ ignored (EFBIG) for a checkpoint, metrics.jsonl
#     and model.mlp in turn;
#   - an output path under a regular file, a read-only file system (root), the run directory
#     deleted mid-training;
#   - `mlp predict MODEL INPUT | head -1` (broken pipe) and SIGKILL during `mlp predict -o`, when
#     the binary has a predict command.
# Every fault must give exit 74, one message naming the file and the error, no *.tmp.* left
# behind, no incomplete file under a final name, and the previous checkpoint loadable: resuming
# from it completes and gives a model bit-identical to an uninterrupted run.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/digits_8x8.csv" .
faults=0   # faults injected

cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [8]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 5
seed = 1
checkpoint_every = 1
keep_checkpoints = 0
TOML

expect_exit 0 "reference run" -- "$MLP" train iris.toml --out ref -q
ref_model=$WORK/ref/model.mlp

no_temp() {  # no_temp DIR WHAT
  local left
  left=$(find "$1" -name '*.tmp.*' 2>/dev/null)
  [ -z "$left" ] && pass || fail "$2: temporary files left: $left"
}
# complete_metrics DIR WHAT: metrics files under their final names end with a complete line.
complete_metrics() {
  local f
  for f in "$1/metrics.jsonl" "$1/metrics.csv"; do
    [ -s "$f" ] || continue
    [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] && pass || fail "$2: $f ends mid-line"
  done
}
# resumes_to_reference DIR WHAT: the newest checkpoint loads (no checkpoint is skipped as
# unusable) and resuming from it gives the uninterrupted run's model.
resumes_to_reference() {
  "$MLP" train --out "$1" --resume -q > "$WORK/out" 2> "$WORK/err"
  local code=$?
  [ $code -eq 0 ] && pass || { fail "$2: resume exit $code"; head -3 "$WORK/err" >&2; }
  grep -q "skipping an unusable checkpoint" "$WORK/err" && fail "$2: a checkpoint under its final name was unusable" || pass
  cmp -s "$ref_model" "$1/model.mlp" && pass || fail "$2: resumed model differs from the uninterrupted run"
}
# ckpt_of EPOCH: the checkpoint file name written after that epoch in ref/.
ckpt_of() { ls ref/checkpoints/ckpt-*.mlpck | sort | sed -n "$1p" | xargs -n1 basename; }
blocks() { echo $(( ($1 + 1023) / 1024 )); }   # 1024-byte blocks of ulimit -f (bash)
# limited BLOCKS command...: runs the command with a file-size limit; SIGXFSZ is ignored, so an
# oversized write fails with EFBIG ("File too large").
limited() { ( ulimit -f "$1"; trap '' XFSZ; exec "${@:2}" ); }
has_command() { "$MLP" --help 2>/dev/null | grep -Eq "^ +$1( |$)"; }

# ---- P4 (b): ulimit -f, a checkpoint write fails ------------------------------------------
# Choose a limit that the checkpoint of epoch k (and every file before it) fits and the one of
# epoch k+1 does not, with 64 bytes of slack for the varying width of timing numbers.
n_ckpt=$(ls ref/checkpoints/ckpt-*.mlpck | wc -l)
limit=""
for k in $(seq 1 $((n_ckpt - 1))); do
  a=$(stat -c %s "ref/checkpoints/$(ckpt_of $k)")
  b=$(stat -c %s "ref/checkpoints/$(ckpt_of $((k + 1)))")
  m=$(head -n $((k + 1)) ref/metrics.jsonl | wc -c)
  L=$(blocks $((a + 64)))
  if [ $((b - 64)) -gt $((L * 1024)) ] && [ $((m + 64)) -le $((L * 1024)) ]; then limit=$L; break; fi
done
if [ -z "$limit" ]; then
  fail "no file-size limit separates two checkpoints (sizes changed?)"
else
  bad=$(ckpt_of $((k + 1)))
  faults=$((faults + 1))
  expect_exit 74 "EFBIG on $bad" -- limited "$limit" "$MLP" train iris.toml --out efbig-ckpt -q
  expect_err "efbig-ckpt/checkpoints/$bad: File too large" "EFBIG checkpoint message"
  [ "$(grep -c . "$WORK/err")" -eq 1 ] && pass || fail "EFBIG checkpoint: more than one line on stderr"
  no_temp efbig-ckpt "EFBIG checkpoint"
  [ ! -e "efbig-ckpt/checkpoints/$bad" ] && pass || fail "EFBIG checkpoint: $bad exists"
  [ ! -e efbig-ckpt/model.mlp ] && pass || fail "EFBIG checkpoint: model.mlp written"
  [ "$(ls efbig-ckpt/checkpoints | wc -l)" -eq "$k" ] && pass || fail "EFBIG checkpoint: expected $k earlier checkpoints"
  complete_metrics efbig-ckpt "EFBIG checkpoint"
  resumes_to_reference efbig-ckpt "EFBIG checkpoint"
fi

# ---- P4 (b): ulimit -f, metrics.jsonl outgrows the limit (checkpoints off) -------------------
# The limit must also let config.toml (written before training) through.
limit=""
c=$(wc -c < ref/config.toml)
for e in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  a=$(head -n "$e" ref/metrics.jsonl | wc -c)
  b=$(head -n $((e + 1)) ref/metrics.jsonl | wc -c)
  L=$(blocks $((a + 64)))
  if [ $((b - 64)) -gt $((L * 1024)) ] && [ $((L * 1024)) -gt $((c + 64)) ]; then limit=$L; break; fi
done
if [ -z "$limit" ]; then
  fail "no file-size limit separates two metrics lengths"
else
  faults=$((faults + 1))
  expect_exit 74 "EFBIG on metrics.jsonl" -- limited "$limit" "$MLP" train iris.toml --out efbig-metrics -q --set train.checkpoint_every=0
  expect_err "efbig-metrics/metrics.jsonl: File too large" "EFBIG metrics message"
  no_temp efbig-metrics "EFBIG metrics"
  [ "$(wc -l < efbig-metrics/metrics.jsonl)" -eq "$e" ] && pass || fail "EFBIG metrics: expected the $e complete lines written before"
  complete_metrics efbig-metrics "EFBIG metrics"
  [ ! -e efbig-metrics/model.mlp ] && pass || fail "EFBIG metrics: model.mlp written"
fi

# ---- P4 (b): ulimit -f, the final model.mlp outgrows the limit ------------------------------
# A one-epoch run completes; continuing it to two epochs (no checkpoint) must fail on model.mlp
# and leave the one-epoch model in place.
expect_exit 0 "one-epoch run" -- "$MLP" train iris.toml --out efbig-model -q --set train.epochs=1
cp efbig-model/model.mlp model-epoch1.mlp
cp -r efbig-model efbig-model-size
"$MLP" train --out efbig-model-size --resume -q --set train.epochs=2 --set train.checkpoint_every=0 >/dev/null 2>&1
m=$(wc -c < efbig-model-size/metrics.jsonl)
msize=$(wc -c < efbig-model-size/model.mlp)
limit=$(blocks $((m + 64)))
if [ $((msize - 64)) -le $((limit * 1024)) ]; then
  fail "model.mlp ($msize bytes) is not larger than metrics.jsonl ($m bytes) by a block"
else
  faults=$((faults + 1))
  expect_exit 74 "EFBIG on model.mlp" -- limited "$limit" "$MLP" train --out efbig-model --resume -q --set train.epochs=2 --set train.checkpoint_every=0
  expect_err "efbig-model/model.mlp: File too large" "EFBIG model message"
  no_temp efbig-model "EFBIG model"
  cmp -s model-epoch1.mlp efbig-model/model.mlp && pass || fail "EFBIG model: the previous model.mlp changed"
  if has_command inspect; then
    expect_exit 0 "inspect the previous model" -- "$MLP" inspect efbig-model/model.mlp
  fi
  expect_exit 0 "continue after EFBIG model" -- "$MLP" train --out efbig-model --resume -q --set train.epochs=2 --set train.checkpoint_every=0
  cmp -s efbig-model/model.mlp efbig-model-size/model.mlp && pass || fail "EFBIG model: the rerun gives another model"
fi

# ---- P4 (a): a full tmpfs, swept over every size -------------------------------------------
# Each size stops the run at a different allocation; together they hit every file the run writes.
MNT=$WORK/mnt
mkdir -p "$MNT"
if mount -t tmpfs -o size=4k tmpfs "$MNT" 2>/dev/null; then
  trap 'umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
  umount "$MNT"
  # The run directory records its data relative to itself: the reference and the copies that
  # resume sit as deep below $WORK as $MNT/run, so that their models' bytes match.
  expect_exit 0 "reference run at the depth of the mount" -- "$MLP" train iris.toml --out mntref/run -q
  ref_model=$WORK/mntref/run/model.mlp
  mkdir -p copies
  declare -A hit=()
  size=4
  while :; do
    mount -t tmpfs -o "size=${size}k" tmpfs "$MNT" || { fail "mount tmpfs size=${size}k"; break; }
    "$MLP" train iris.toml --out "$MNT/run" -q > out 2> err
    code=$?
    if [ $code -eq 0 ]; then
      cmp -s "$ref_model" "$MNT/run/model.mlp" && pass || fail "tmpfs ${size}k: model differs"
      umount "$MNT"
      break
    fi
    faults=$((faults + 1))
    [ $code -eq 74 ] && pass || { fail "tmpfs ${size}k: exit $code, expected 74"; head -3 err >&2; }
    [ "$(grep -c . err)" -eq 1 ] && pass || { fail "tmpfs ${size}k: stderr is not one line"; head -5 err >&2; }
    file=$(sed -n "s|^error: $MNT/run/\(.*\): No space left on device.*|\1|p" err)
    [ -n "$file" ] && pass || { fail "tmpfs ${size}k: message does not name a file and ENOSPC"; head -3 err >&2; }
    case "$file" in
      checkpoints/ckpt-*) hit[checkpoint]=1 ;;
      metrics.*) hit[metrics]=1 ;;
      model.mlp) hit[model]=1 ;;
      *) hit[other]=1 ;;
    esac
    no_temp "$MNT/run" "tmpfs ${size}k ($file)"
    complete_metrics "$MNT/run" "tmpfs ${size}k ($file)"
    # Whatever sits under a final name is complete: a model equals the reference, and the newest
    # checkpoint resumes to the reference model (once off the full file system).
    if [ -e "$MNT/run/model.mlp" ]; then
      cmp -s "$ref_model" "$MNT/run/model.mlp" && pass || fail "tmpfs ${size}k: incomplete model.mlp"
    fi
    rm -rf "copies/copy-$size"
    cp -r "$MNT/run" "copies/copy-$size"
    if ls "copies/copy-$size"/checkpoints/ckpt-*.mlpck >/dev/null 2>&1; then
      resumes_to_reference "copies/copy-$size" "tmpfs ${size}k ($file)"
    fi
    umount "$MNT"
    size=$((size + 4))
    [ $size -le 2048 ] || { fail "tmpfs sweep did not end"; break; }
  done
  for what in checkpoint metrics model; do
    [ -n "${hit[$what]:-}" ] && pass || fail "tmpfs sweep: no size made the $what write fail"
  done
  echo "tmpfs sweep: ${size} KiB suffices; ENOSPC hit: ${!hit[*]}"

  # P5: a read-only file system: preflight error before any training.
  mount -t tmpfs -o size=64k,ro tmpfs "$MNT"
  faults=$((faults + 1))
  expect_exit 74 "read-only file system" -- "$MLP" train iris.toml --out "$MNT/run"
  expect_err "$MNT/run: Read-only file system" "read-only message"
  grep -q '^epoch' "$WORK/err" && fail "read-only: trained before failing" || pass
  umount "$MNT"
else
  echo "skip: tmpfs disk-full and read-only checks need mount (root)"
fi

# ---- P5: unwritable output: a path under a regular file -------------------------------------
touch plainfile
faults=$((faults + 1))
expect_exit 74 "output under a regular file" -- "$MLP" train iris.toml --out plainfile/run
expect_err "plainfile/run" "unwritable output names the path"
grep -q '^epoch' "$WORK/err" && fail "unwritable output: trained before failing" || pass
[ -f plainfile ] && [ ! -s plainfile ] && pass || fail "unwritable output: plainfile changed"

# ---- P5: the run directory deleted mid-training ----------------------------------------------
cat > digits.toml <<'TOML'
[data]
train = "digits_8x8.csv"
target = "digit"
task = "classification"
[model]
hidden = [32]
[train]
learning_rate = 0.003
batch_size = 4
epochs = 200
seed = 5
TOML
faults=$((faults + 1))
"$MLP" train digits.toml --out gone > out 2> err &
pid=$!
for _ in $(seq 1 400); do grep -q '^epoch' err 2>/dev/null && break; sleep 0.05; done
for _ in 1 2 3 4 5; do rm -rf gone 2>/dev/null && [ ! -e gone ] && break; done
wait $pid
code=$?
[ $code -eq 74 ] && pass || { fail "run directory deleted: exit $code, expected 74"; tail -3 err >&2; }
grep -Eq "gone/[^:]+: No such file or directory" err && pass || { fail "run directory deleted: message"; tail -3 err >&2; }
[ ! -e gone ] && pass || fail "run directory deleted: recreated ($(find gone | head -5 | tr '\n' ' '))"

# ---- P6, P8: mlp predict (when the binary has it) ---------------------------------------------
if has_command predict; then
  # Enough rows that the output exceeds a pipe buffer: head exits while mlp still writes.
  { cat iris.csv; for _ in $(seq 1 200); do tail -n +2 iris.csv; done; } > big.csv
  faults=$((faults + 1))
  "$MLP" predict ref/model.mlp big.csv 2> pipe.err | head -1 > /dev/null
  code=${PIPESTATUS[0]}
  { [ $code -eq 0 ] || [ $code -eq 141 ]; } && pass || fail "broken pipe: exit $code, expected 0 or 141"
  [ ! -s pipe.err ] && pass || { fail "broken pipe: stderr not empty"; head -3 pipe.err >&2; }
  # P8: SIGKILL during `mlp predict -o` never leaves a partial file under the final name.
  expect_exit 0 "predict -o" -- "$MLP" predict ref/model.mlp big.csv -o preds-full.csv
  for i in $(seq 1 10); do
    faults=$((faults + 1))
    rm -f preds.csv
    "$MLP" predict ref/model.mlp big.csv -o preds.csv > /dev/null 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 10))"
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ -e preds.csv ]; then
      cmp -s preds.csv preds-full.csv && pass || fail "predict killed ($i): partial preds.csv"
    else
      pass
    fi
  done
else
  echo "skip: broken-pipe and predict kill checks (no 'mlp predict' in this binary)"
fi

echo "faults injected: $faults"
finish
