#!/usr/bin/env bash
# Where mlp writes, and what it may delete:
#   - the run directory: mlp deletes only its own files (its fixed names and their temporaries),
#     and only in a directory that carries its `.mlp-run` marker; a user's files (a
#     `thesis.tmp.docx`, a file in checkpoints/, a config.toml of their own) survive every
#     refusal, every resume and --force;
#   - `mlp predict -o OUT` into a FIFO, a device node and /dev/fd/N is written in place (streamed),
#     a symlink to a regular file keeps being a link and its target is replaced atomically, and
#     what cannot be written (a socket, a closed descriptor, a directory) is exit 74;
#   - every command exits 74 with a message when standard output cannot be written (/dev/full).
set -u
source "$(dirname "$0")/lib.sh" "$@"
train_fixtures outputs
"$MLP" predict "$IRIS" iris.csv > pred.csv 2>/dev/null || fail "reference predictions"

cat > small.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
[model]
hidden = [4]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 3
seed = 1
checkpoint_every = 1
keep_checkpoints = 0
TOML

# ---- the run directory ---------------------------------------------------------------------
# A directory that is not a run: training into it leaves the user's files alone, and marks it.
mkdir docs && echo "chapter 1" > docs/thesis.tmp.docx && echo "model.mlp.tmp.1.2 is mine" > docs/model.mlp.tmp.1.2
expect_exit 0 "train into a directory with a user's files" -- "$MLP" train small.toml --out docs -q
[ "$(cat docs/thesis.tmp.docx 2>/dev/null)" = "chapter 1" ] && pass || fail "a user's thesis.tmp.docx was deleted by a new run"
[ -e docs/model.mlp.tmp.1.2 ] && pass || fail "a file present before mlp marked the directory was deleted"
[ -f docs/.mlp-run ] && pass || fail "no .mlp-run marker in a new run directory"
head -1 docs/.mlp-run | grep -q "^mlp run directory" && pass || fail "marker does not say what it is"

# Refused (exit 2, the directory holds a run; exit 65, nothing to resume): nothing deleted.
expect_exit 2 "existing run refused" -- "$MLP" train small.toml --out docs
[ -e docs/thesis.tmp.docx ] && pass || fail "thesis.tmp.docx deleted by a refused run (exit 2)"
mkdir -p resume65/checkpoints
cp docs/config.toml docs/.mlp-run resume65/
echo "draft" > resume65/thesis.tmp.docx
echo "mine" > resume65/checkpoints/notes.tmp.txt
touch resume65/metrics.jsonl.tmp.4242.0 resume65/checkpoints/ckpt-000009.mlpck.tmp.4242.1
expect_exit 65 "resume without a checkpoint" -- "$MLP" train --out resume65 --resume -q
[ -e resume65/thesis.tmp.docx ] && pass || fail "thesis.tmp.docx deleted by a refused resume (exit 65)"
[ -e resume65/checkpoints/notes.tmp.txt ] && pass || fail "a user's file in checkpoints/ deleted by a refused resume"
# ... while mlp's own stale temporaries are removed in a marked run directory.
[ ! -e resume65/metrics.jsonl.tmp.4242.0 ] && [ ! -e resume65/checkpoints/ckpt-000009.mlpck.tmp.4242.1 ] &&
  pass || fail "mlp's own stale temporaries kept in a marked run directory"

# A user's own config.toml and checkpoints/ in a directory mlp did not create: refused even with
# --force, and nothing is touched.
mkdir proj proj/checkpoints
echo "# my own configuration" > proj/config.toml
echo "weights" > proj/checkpoints/weights.pt
expect_exit 2 "--force into a user's directory" -- "$MLP" train small.toml --out proj --force -q
expect_err "\.mlp-run" "--force without a marker names the marker"
[ "$(cat proj/config.toml)" = "# my own configuration" ] && pass || fail "--force replaced a user's config.toml"
[ -e proj/checkpoints/weights.pt ] && pass || fail "--force deleted a user's checkpoints/ folder"
[ ! -e proj/model.mlp ] && [ ! -e proj/.mlp-run ] && pass || fail "--force without a marker still trained"

# --force in a marked run directory removes what mlp wrote and nothing else.
expect_exit 0 "a 3-epoch run" -- "$MLP" train small.toml --out forced -q
n_before=$(ls forced/checkpoints | wc -l)
echo "notes" > forced/notes.txt
echo "mine" > forced/checkpoints/mine.txt
echo "draft" > forced/thesis.tmp.docx
expect_exit 0 "--force with a user's files" -- "$MLP" train small.toml --out forced --force -q --set train.epochs=1
[ -e forced/notes.txt ] && [ -e forced/thesis.tmp.docx ] && pass || fail "--force deleted a user's file in the run directory"
[ -e forced/checkpoints/mine.txt ] && pass || fail "--force deleted a user's file in checkpoints/"
[ "$(ls forced/checkpoints/ckpt-*.mlpck | wc -l)" -eq 1 ] && [ "$n_before" -eq 3 ] &&
  pass || fail "--force kept the previous run's checkpoints ($(ls forced/checkpoints | tr '\n' ' '))"
[ "$(wc -l < forced/metrics.jsonl)" -eq 1 ] && pass || fail "--force: metrics.jsonl of the new run"

# A run directory without the marker (an older mlp's): recognised as a run, resumable, but
# nothing is deleted in it — not even mlp-named temporaries — and --force is refused.
cp -r forced legacy
rm -f legacy/.mlp-run
touch legacy/model.mlp.tmp.99999.0
expect_exit 2 "legacy run without --force" -- "$MLP" train small.toml --out legacy -q
expect_exit 2 "legacy run with --force" -- "$MLP" train small.toml --out legacy --force -q
[ -e legacy/config.toml ] && [ -e legacy/model.mlp ] && pass || fail "--force deleted files of an unmarked run"
expect_exit 0 "resume a legacy run" -- "$MLP" train --out legacy --resume -q --set train.epochs=2
[ -e legacy/model.mlp.tmp.99999.0 ] && pass || fail "a temporary was deleted in an unmarked directory"

# ---- mlp predict -o into things that are not regular files ---------------------------------
# A FIFO: its reader gets the predictions, the FIFO stays a FIFO.
mkfifo fifo
timeout 60 cat fifo > from-fifo.csv &   # bounded: a replaced FIFO never gets a writer
reader=$!
expect_exit 0 "predict -o FIFO" -- timeout 60 "$MLP" predict "$IRIS" iris.csv -o fifo
wait $reader
[ -p fifo ] && pass || fail "-o FIFO replaced the FIFO"
cmp -s from-fifo.csv pred.csv && pass || fail "-o FIFO: the reader did not get the predictions"
ls | grep -q '\.tmp\.' && fail "-o FIFO left a temporary file" || pass

# Device nodes: our own twins of /dev/null and /dev/full, so that the real ones are never at risk
# (an mlp that replaced its output by rename would replace them, as root).
if mknod null-dev c 1 3 2>/dev/null && mknod full-dev c 1 7 2>/dev/null; then
  expect_exit 0 "predict -o device" -- "$MLP" predict "$IRIS" iris.csv -o null-dev
  [ -c null-dev ] && pass || fail "-o device node replaced the device with a regular file"
  expect_exit 74 "predict -o a full device" -- "$MLP" predict "$IRIS" iris.csv -o full-dev
  expect_err "full-dev: No space left on device" "full device message"
  [ -c full-dev ] && pass || fail "-o full device replaced the device with a regular file"
else
  echo "skip: mknod not permitted (device node checks)"
fi

# /dev/fd/N: written through the open descriptor, at its position (header and footer stay).
exec 3> via-fd.csv
echo "# before" >&3
expect_exit 0 "predict -o /dev/fd/3" -- "$MLP" predict "$IRIS" iris.csv -o /dev/fd/3
echo "# after" >&3
exec 3>&-
{ echo "# before"; cat pred.csv; echo "# after"; } > want-fd.csv
cmp -s via-fd.csv want-fd.csv && pass || fail "-o /dev/fd/3 did not write through the descriptor"

# A symlink to a regular file: the link stays, its target gets the predictions atomically.
echo "old" > target.csv
ln -s target.csv link.csv
expect_exit 0 "predict -o symlink" -- "$MLP" predict "$IRIS" iris.csv -o link.csv
[ -L link.csv ] && pass || fail "-o symlink replaced the link with a file"
cmp -s target.csv pred.csv && pass || fail "-o symlink: the target does not hold the predictions"
ls | grep -q '\.tmp\.' && fail "-o symlink left a temporary file" || pass
# A dangling symlink: the file it names is created.
ln -s made.csv dangling.csv
expect_exit 0 "predict -o dangling symlink" -- "$MLP" predict "$IRIS" iris.csv -o dangling.csv
[ -L dangling.csv ] && cmp -s made.csv pred.csv && pass || fail "-o dangling symlink: target not created"

# What cannot be written: exit 74 with the path and the reason.
expect_exit 74 "predict -o a closed descriptor" -- "$MLP" predict "$IRIS" iris.csv -o /dev/fd/9
expect_err "/dev/fd/9: " "closed descriptor message"
mkdir adir
expect_exit 74 "predict -o a directory" -- "$MLP" predict "$IRIS" iris.csv -o adir
expect_err "adir: Is a directory" "directory message"
if have_python && "$PY" -c 'import socket; s = socket.socket(socket.AF_UNIX); s.bind("sock")' 2>/dev/null; then
  expect_exit 74 "predict -o a socket" -- "$MLP" predict "$IRIS" iris.csv -o sock
  expect_err "sock: .*socket" "socket message"
  [ -S sock ] && pass || fail "-o socket replaced the socket"
fi

# ---- standard output that cannot be written --------------------------------------------------
# full NAME command...: exit 74, one message naming standard output on stderr.
full() {
  local what=$1
  shift
  "$@" > /dev/full 2> err.full
  local code=$?
  [ $code -eq 74 ] && pass || { fail "$what > /dev/full: exit $code, expected 74"; head -3 err.full >&2; }
  grep -q "standard output: No space left on device" err.full && pass || { fail "$what > /dev/full: no message"; head -3 err.full >&2; }
}
full "eval" "$MLP" eval "$IRIS" iris.csv
full "eval --json" "$MLP" eval "$IRIS" iris.csv --json
full "inspect" "$MLP" inspect "$IRIS"
full "inspect --json" "$MLP" inspect "$IRIS" --json
full "predict" "$MLP" predict "$IRIS" iris.csv
full "predict --json -o" "$MLP" predict "$IRIS" iris.csv --json -o p-full.csv
full "train" "$MLP" train small.toml --out full1 -q
full "train --json" "$MLP" train small.toml --out full2 -q --json
full "diagnose" "$MLP" diagnose full1
full "diagnose --json" "$MLP" diagnose full1 --json
full "gradcheck" "$MLP" gradcheck small.toml --examples 4
full "cv" "$MLP" cv small.toml --folds 2 -q
full "--version" "$MLP" --version
full "--help" "$MLP" --help

finish
