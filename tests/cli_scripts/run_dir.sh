#!/usr/bin/env bash
# mlp train's run directory: a start that fails before training leaves nothing that blocks the
# fixed re-run, and the directory names its data relative to itself (no absolute path of the
# machine that trained), so resuming and evaluating work from any working directory and after
# moving the project.
set -u
source "$(dirname "$0")/lib.sh" "$@"
mkdir -p proj/data other
cp "$SRC/examples/data/iris.csv" proj/data/
cd proj
cat > iris.toml <<'TOML'
[data]
train = "data/iris.csv"
target = "species"
[model]
hidden = [6]
[train]
learning_rate = 0.01
batch_size = 16
epochs = 3
seed = 1
checkpoint_every = 1
TOML
sed 's|data/iris.csv|data/missing.csv|' iris.toml > missing.toml

# ---- a failed start is not a run ------------------------------------------------------------
# A missing data file (--no-lint: found by the loader, after the directory is locked): the
# directory holds no run file, and the fixed configuration trains into it without --force.
expect_exit 66 "missing data" -- "$MLP" train missing.toml --out runs/a -q --no-lint
expect_err "missing.csv" "missing data named"
for f in config.toml .mlp-run metrics.jsonl checkpoints model.mlp; do
  [ ! -e "runs/a/$f" ] && pass || fail "a start without data left runs/a/$f"
done
expect_exit 0 "fixed re-run after missing data" -- "$MLP" train iris.toml --out runs/a -q

# With --force over a finished run, a start that fails on its data removes nothing.
cp runs/a/model.mlp model-before.mlp
expect_exit 66 "--force with missing data" -- "$MLP" train missing.toml --out runs/a -q --force --no-lint
cmp -s runs/a/model.mlp model-before.mlp && pass || fail "--force with missing data replaced the run"

# Diverging in the first epoch (no epoch, no checkpoint, no model): the fixed re-run replaces
# what that start left without --force; the user's own file stays.
expect_exit 1 "divergence in epoch 1" -- "$MLP" train iris.toml --out runs/b -q --set train.learning_rate=1e30
expect_err "non-finite" "divergence reported"
[ -e runs/b/config.toml ] && [ ! -e runs/b/model.mlp ] && pass || fail "divergence left config.toml only"
echo "my notes" > runs/b/notes.txt
expect_exit 0 "fixed re-run after divergence" -- "$MLP" train iris.toml --out runs/b -q
[ "$(cat runs/b/notes.txt)" = "my notes" ] && pass || fail "the user's notes.txt changed"
[ -e runs/b/model.mlp ] && pass || fail "the fixed re-run wrote no model"
# A run that trained still needs --force (or --resume).
expect_exit 2 "a trained run is kept" -- "$MLP" train iris.toml --out runs/b -q
expect_err "already holds a run" "a trained run is refused"

# ---- no absolute path of the training machine in the run directory ---------------------------
expect_exit 0 "train with an absolute --out" -- "$MLP" train "$WORK/proj/iris.toml" --out "$WORK/proj/runs/abs" -q
for run in runs/a runs/abs; do
  for f in "$run/config.toml" "$run/model.mlp" "$run/summary.json" "$run/report.html" "$run"/checkpoints/*; do
    if grep -aqF -e "$WORK" -e "$PWD" -e "$HOME/" "$f"; then fail "$f holds an absolute path: $(grep -aoF -e "$WORK" -e "$HOME/" "$f" | head -1)"; else pass; fi
  done
  grep -qx 'train = "../../data/iris.csv"' "$run/config.toml" && pass || fail "$run/config.toml: train is not relative to the run: $(grep '^train' "$run/config.toml")"
done
if grep -aqF "$WORK" runs/abs/summary.json; then fail "summary.json names the absolute --out"; else pass; fi

# ---- resume and evaluate from anywhere, also after moving the project -----------------------
cd "$WORK/other"
expect_exit 0 "resume from another directory" -- "$MLP" train "$WORK/proj/runs/a" --resume -q --set train.epochs=4
expect_exit 0 "eval from another directory" -- "$MLP" eval "$WORK/proj/runs/a/model.mlp" "$WORK/proj/data/iris.csv"
mv "$WORK/proj" "$WORK/moved"
expect_exit 0 "resume after moving the project" -- "$MLP" train ../moved/runs/a --resume -q --set train.epochs=5
expect_exit 0 "resume with the config and --out after moving" -- "$MLP" train ../moved/iris.toml --out ../moved/runs/abs --resume -q --set train.epochs=4
expect_exit 0 "predict after moving the project" -- "$MLP" predict ../moved/runs/a/model.mlp ../moved/data/iris.csv -o preds.csv
finish
