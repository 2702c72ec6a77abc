# Helpers for the CLI test scripts: `source lib.sh MLP SOURCE_DIR`.
MLP=$(readlink -f "$1")
SRC=$(readlink -f "$2")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
failures=0
checks=0
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
