#!/usr/bin/env bash
# Hostile inputs to the readers (RELIABILITY H1, M3, M4, I3): model paths that are not regular
# files (/dev/zero, a FIFO without a writer) or are huge sparse files, model files whose
# metadata JSON nests 50 000 deep or whose header does not fit the network (fewer target names
# than outputs, duplicate class names, an unknown task), checkpoints with nested metadata for
# --resume, a nested metrics.jsonl line for diagnose, and /dev/zero as IDX data. Each must end
# with one error line and exit 65 (bad data) or 66 (not a usable input file), never a signal.
# Every command runs under a memory cap (ulimit -v) and a timeout, so a regression fails fast
# instead of eating the machine: exit 124 = it blocked or read without end.
set -u
source "$(dirname "$0")/lib.sh" "$@"
if ! have_python; then
  echo "skipped: /usr/bin/python3 is needed to craft the model files"
  exit 77
fi

# 2 GiB of address space (a sanitizer build reserves terabytes up front: no cap there).
CAP=2097152
( ulimit -v "$CAP" && "$MLP" --help ) >/dev/null 2>&1 || CAP=unlimited
capped() { ( ulimit -v "$CAP"; exec timeout 20 "$@" ); }
# check CODE PATTERN DESCRIPTION -- command...: exit CODE, stderr matches PATTERN, one line.
check() {
  local code=$1 pattern=$2 what=$3
  shift 4
  expect_exit "$code" "$what" -- capped "$@"
  expect_err "$pattern" "$what"
  [ "$(wc -l < "$WORK/err")" -le 1 ] && pass || fail "$what: more than one line on stderr"
}

cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/boston_housing.csv" .
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [4]\n[train]\nepochs = 2\nseed = 1\ncheckpoint_every = 1\nkeep_checkpoints = 1\n' > iris.toml
printf '[data]\ntrain = "boston_housing.csv"\ntarget = ["MEDV", "LSTAT", "TAX"]\n[model]\nhidden = [4]\n[train]\nepochs = 2\nseed = 1\n' > boston3.toml
expect_exit 0 "train iris" -- "$MLP" train iris.toml --out iris-run -q
expect_exit 0 "train a 3-target regression" -- "$MLP" train boston3.toml --out boston3-run -q
IRIS=iris-run/model.mlp
BOSTON3=boston3-run/model.mlp
[ -s "$IRIS" ] && [ -s "$BOSTON3" ] || { echo "training failed" >&2; exit 1; }

# rewrite IN OUT KEY PYTHON-EXPRESSION: OUT = IN with metadata KEY replaced by the expression's
# value (`v` is the old text, `j` the old JSON), checksum recomputed.
rewrite() {
  "$PY" - "$@" <<'PY'
import json, struct, sys, zlib
src, dst, key, expr = sys.argv[1:5]
b = open(src, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
header, data = json.loads(b[8:8 + n]), b[8 + n:]
v = header["__metadata__"][key]
j = json.loads(v)
new = eval(expr)
header["__metadata__"][key] = new if isinstance(new, str) else json.dumps(new)
header["__metadata__"]["mlp.crc32"] = "00000000"
h = json.dumps(header, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
f = struct.pack("<Q", len(h)) + h + data
crc = zlib.crc32(f) & 0xFFFFFFFF
f = f.replace(b'"mlp.crc32":"00000000"', b'"mlp.crc32":"%08x"' % crc, 1)
open(dst, "wb").write(f)
PY
}
NESTED='"[" * 50000 + "]" * 50000'

# ---- model paths that are not regular files, or whose size is wrong ------------------------
check 66 '^error: /dev/zero: not a regular file \(a character device\)' "inspect /dev/zero" -- "$MLP" inspect /dev/zero
check 66 '/dev/zero: not a regular file' "predict with /dev/zero as the model" -- "$MLP" predict /dev/zero iris.csv
mkfifo fifo.mlp
check 66 'fifo.mlp: not a regular file \(a FIFO\)' "inspect a FIFO without a writer" -- "$MLP" inspect fifo.mlp
cp "$IRIS" sparse.mlp
truncate -s 8G sparse.mlp
check 65 'sparse.mlp: [0-9]+ unexpected bytes after the last tensor' "inspect an 8 GiB sparse model" -- "$MLP" inspect sparse.mlp

# ---- metadata nested 50 000 deep --------------------------------------------------------------
for key in mlp.model mlp.preprocessing mlp.info; do
  rewrite "$IRIS" "nested-$key.mlp" "$key" "$NESTED"
  pattern="nested-$key.mlp: metadata $key: .*JSON nests deeper than 64 levels"
  check 65 "$pattern" "inspect, $key nested" -- "$MLP" inspect "nested-$key.mlp"
  check 65 "$pattern" "inspect --json, $key nested" -- "$MLP" inspect --json "nested-$key.mlp"
  check 65 "$pattern" "predict, $key nested" -- "$MLP" predict "nested-$key.mlp" iris.csv
  check 65 "$pattern" "eval, $key nested" -- "$MLP" eval "nested-$key.mlp" iris.csv
done

# ---- headers that do not fit the network ---------------------------------------------------
rewrite "$BOSTON3" short.mlp mlp.preprocessing '{**j, "target_names": ["MEDV"]}'
check 65 'short.mlp: model: target_names has 1 names for 3 outputs' "predict, 1 target name for 3 outputs" -- "$MLP" predict short.mlp boston_housing.csv
check 65 'short.mlp: model: target_names has 1 names' "predict --json, 1 target name for 3 outputs" -- "$MLP" predict short.mlp boston_housing.csv --json
check 65 'short.mlp: model: target_names has 1 names' "eval, 1 target name for 3 outputs" -- "$MLP" eval short.mlp boston_housing.csv
rewrite "$IRIS" dup-classes.mlp mlp.preprocessing '{**j, "class_names": ["setosa", "setosa", "virginica"]}'
check 65 "dup-classes.mlp: model: class_names lists 'setosa' twice" "predict, duplicate class names" -- "$MLP" predict dup-classes.mlp iris.csv
rewrite "$IRIS" dup-features.mlp mlp.preprocessing '{**j, "feature_names": ["a", "b", "a", "c"]}'
check 65 "dup-features.mlp: model: feature_names lists 'a' twice" "inspect, duplicate feature names" -- "$MLP" inspect dup-features.mlp
rewrite "$IRIS" task.mlp mlp.preprocessing '{**j, "task": "clasification"}'
check 65 'task.mlp: metadata mlp.preprocessing: task is "clasification", expected "classification" or "regression"' "predict, unknown task" -- "$MLP" predict task.mlp iris.csv
# The untouched models still work.
expect_exit 0 "predict with the 3-target model" -- capped "$MLP" predict "$BOSTON3" boston_housing.csv
[ "$(head -1 "$WORK/out" | tr -d '\r')" = "MEDV,LSTAT,TAX" ] && pass || fail "3-target header: $(head -1 "$WORK/out")"

# ---- --resume from checkpoints with nested metadata ------------------------------------------
for ck in iris-run/checkpoints/*.mlpck; do
  rewrite "$ck" "$ck" mlp.checkpoint "$NESTED"
done
expect_exit 65 "resume from nested checkpoints" -- capped "$MLP" train --out iris-run --resume -q
expect_err 'skipping an unusable checkpoint: .*ckpt-[0-9]+\.mlpck: metadata mlp.checkpoint: JSON nests deeper than 64 levels' "resume names the nested checkpoint"
expect_err 'no valid checkpoint to resume from' "resume ends with no valid checkpoint"

# ---- diagnose on a metrics.jsonl line nested 50 000 deep --------------------------------------
mkdir diag
cp iris-run/config.toml diag/
head -1 iris-run/metrics.jsonl > diag/metrics.jsonl
"$PY" -c 'print("[" * 50000 + "]" * 50000)' >> diag/metrics.jsonl
check 65 'diag/metrics.jsonl:2:65: JSON nests deeper than 64 levels' "diagnose, nested metrics line" -- "$MLP" diagnose diag

# ---- IDX data from /dev/zero ------------------------------------------------------------------
check 66 '/dev/zero: not a regular file \(a character device\)' "eval with /dev/zero as IDX images" -- "$MLP" eval "$IRIS" /dev/zero --labels /dev/zero

finish
