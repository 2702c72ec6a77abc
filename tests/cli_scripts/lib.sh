# Helpers for the CLI test scripts: `source lib.sh MLP SOURCE_DIR`.
MLP=$(readlink -f "$1")
SRC=$(readlink -f "$2")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0
checks=0
# Debian's Python (json, numpy, torch), for checks of --json output; the scripts skip those
# checks when it is missing.
PY=/usr/bin/python3
have_python() { "$PY" -c 'import json' 2>/dev/null; }
pass() { checks=$((checks + 1)); }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }
# expect_exit CODE DESCRIPTION -- command...   (stdout/stderr kept in $WORK/out, $WORK/err)
expect_exit() {
  local want=$1 what=$2
  shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass; else fail "$what: exit $got, expected $want"; sed 's/^/    /' "$WORK/err" | head -5 >&2; fi
}
# expect_err PATTERN DESCRIPTION: the last command's stderr matches the extended regex
expect_err() {
  if grep -Eq -- "$1" "$WORK/err"; then pass; else fail "$2: stderr lacks /$1/"; sed 's/^/    /' "$WORK/err" | head -5 >&2; fi
}
finish() {
  echo "$checks checks, $failures failed"
  [ "$failures" -eq 0 ]
}

# train_fixtures WHAT: iris.csv and boston_housing.csv in the work directory, a small classifier
# and a small regressor trained on them (30 epochs, seed 1); IRIS and BOSTON name the two model
# files. Exits when training fails, since nothing WHAT tests can run without them.
train_fixtures() {
  cp "$SRC/examples/data/iris.csv" "$SRC/examples/data/boston_housing.csv" .
  local name csv target hidden
  for fixture in "iris iris.csv species 8" "boston boston_housing.csv MEDV 16"; do
    read -r name csv target hidden <<<"$fixture"
    printf '[data]\ntrain = "%s"\ntarget = "%s"\n[model]\nhidden = [%s]\n[train]\nlearning_rate = 0.01\nbatch_size = 16\nepochs = 30\nseed = 1\n' \
      "$csv" "$target" "$hidden" > "$name.toml"
    expect_exit 0 "train $name" -- "$MLP" train "$name.toml" --out "$name-run" -q
  done
  IRIS=iris-run/model.mlp
  BOSTON=boston-run/model.mlp
  [ -s "$IRIS" ] && [ -s "$BOSTON" ] || { echo "training failed, cannot test $1" >&2; exit 1; }
}
