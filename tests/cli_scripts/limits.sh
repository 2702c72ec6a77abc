#!/usr/bin/env bash
# Numbers and limits (RELIABILITY H1, H8, K1, C11): every numeric option refuses nan, infinity
# and out-of-range values naming the option and its range; numbers beyond a double in a
# configuration; TOML nested deeper than 64 levels exits 2 at its position (no stack overflow);
# a CSV record over 1 MiB trains once data.max_field_bytes and data.max_record_bytes allow it.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" .
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [4]\n[train]\nepochs = 2\nseed = 1\n' > iris.toml
expect_exit 0 "a run for diagnose" -- "$MLP" train iris.toml --out run -q

# ---- H8: numeric options ---------------------------------------------------------------------
# refused OPTION RANGE_REGEX VALUE... -- COMMAND...: each value exits 2 naming OPTION and RANGE,
# and nothing is printed on stdout (no PASSED, no result).
refused() {
  local option=$1 range=$2
  shift 2
  local values=()
  while [ "$1" != "--" ]; do values+=("$1"); shift; done
  shift
  for v in "${values[@]}"; do
    expect_exit 2 "$option $v" -- "$@" "$option" "$v"
    expect_err "^$option: must be (a number )?$range \\(got " "$option $v names the option and the range"
    [ ! -s "$WORK/out" ] && pass || fail "$option $v printed a result"
    # Bounds and values print in their shortest form, never digit by digit (DBL_MAX: 309).
    grep -Eq '[0-9]{30}' "$WORK/err" && fail "$option $v: a number printed digit by digit" || pass
  done
}
refused --epsilon '> 0 and finite' nan NaN -nan inf -inf +inf Infinity 1e400 0 -1e-7 abc 1e-400 -- "$MLP" gradcheck iris.toml
expect_err '^--epsilon: must be > 0 and finite \(got 1e-400, which is 0 as a double\)$' "1e-400 is said to be 0"
refused --threshold '> 0 and finite' nan inf -inf 1e999 0 -1 -- "$MLP" gradcheck iris.toml
refused --examples 'an integer in \[1, 100000\]' nan inf 0 100001 2.5 1e3 -- "$MLP" gradcheck iris.toml
refused --folds 'an integer in \[2, 1000\]' nan inf -inf 1 1001 2.5 -- "$MLP" cv iris.toml
refused --baseline-error '>= 0 and finite' nan inf -inf -0.1 1e400 -- "$MLP" diagnose run
# Values in range still work: a denormal is a number, 1e-400 is 0 where 0 is allowed.
expect_exit 0 "threshold 1e300" -- "$MLP" gradcheck iris.toml --threshold 1e300
grep -q PASSED out && pass || fail "gradcheck with a large threshold passes"
expect_exit 0 "baseline 1e-400" -- "$MLP" diagnose run --baseline-error 1e-400
expect_exit 0 "help shows ranges" -- "$MLP" gradcheck --help
grep -q -- '--epsilon.*> 0 and finite' out && pass || fail "--help shows the range of --epsilon"

# ---- numbers beyond a double in the configuration ------------------------------------------------
expect_exit 2 "learning_rate 1e-400" -- "$MLP" train iris.toml --out r1 --set train.learning_rate=1e-400
expect_err 'train.learning_rate must be > 0 and finite \(got 1e-400, which is 0 as a double\)' "1e-400 refused as written"
expect_exit 0 "l2 1e-400 is 0" -- "$MLP" train iris.toml --out r2 -q --set train.l2=1e-400
grep -q '^l2 = 0.0$' r2/config.toml && pass || fail "l2 = 1e-400 recorded as 0.0"
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [4]\n[train]\nl2 = 1e400\n' > huge.toml
expect_exit 2 "l2 1e400" -- "$MLP" train huge.toml --out r3
expect_err '^huge.toml:7:[0-9]+: error: .*\(the value of train.l2: >= 0 and finite\)' "1e400 names the key and the range"
for v in nan -inf; do
  expect_exit 2 "keep_prob $v" -- "$MLP" train iris.toml --out r4 --set model.keep_prob="$v"
  expect_err "model.keep_prob must be in \\(0, 1\\] \\(got $v\\)" "keep_prob $v"
done

# ---- H1: nesting ---------------------------------------------------------------------------
header='[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [4]\n'
# A key of 500 000 dotted parts (1 MB, within the file size limit), under a small stack too.
{ printf "$header"; yes a. | head -n 500000 | tr -d '\n'; echo 'a = 1'; } > deep_key.toml
expect_exit 2 "deep dotted key" -- bash -c 'ulimit -s 1024; exec "$@"' - "$MLP" train deep_key.toml --out r5
expect_err '^deep_key.toml:6:126: error: nested deeper than 64 levels' "deep key at its position"
{ printf "$header"; printf 'x = '; yes '{a = ' | head -n 100000 | tr -d '\n'; printf 1; yes '}' | head -n 100000 | tr -d '\n'; echo; } > deep_tables.toml
expect_exit 2 "deep inline tables" -- "$MLP" train deep_tables.toml --out r6
expect_err '^deep_tables.toml:6:[0-9]+: error: nested deeper than 64 levels' "deep inline tables"
deep_list=$(yes '[' | head -n 100000 | tr -d '\n')
expect_exit 2 "deep --set value" -- "$MLP" train iris.toml --out r7 --set "model.hidden=$deep_list"
expect_err 'error: nested deeper than 64 levels' "deep --set value"
[ ! -e r5 ] && [ ! -e r6 ] && [ ! -e r7 ] && pass || fail "a refused configuration created a run directory"

# ---- C11: a record over 1 MiB ----------------------------------------------------------------
# iris.csv with a first column "note" that is 3 MiB long in the first row (quoted), short after.
{ printf 'note,'; head -n 1 iris.csv
  printf '"'; head -c 3145728 /dev/zero | tr '\0' n; printf '",'; sed -n 2p iris.csv
  tail -n +3 iris.csv | sed 's/^/short,/'; } > wide.csv
wide='[data]\ntrain = "wide.csv"\ntarget = "species"\ndrop = ["note"]\n%b[model]\nhidden = [4]\n[train]\nepochs = 1\n'
printf "$wide" '' > wide_default.toml
expect_exit 65 "record over the default limit" -- "$MLP" train wide_default.toml --out r8
expect_err 'wide.csv:2: error: record is longer than the limit of 1048576 bytes \(data.max_record_bytes\)' "record limit names its key"
printf "$wide" 'max_field_bytes = 4194304\n' > wide_field.toml
expect_exit 2 "field limit above the record limit" -- "$MLP" train wide_field.toml --out r9
expect_err 'data.max_field_bytes \(4194304\) is larger than data.max_record_bytes \(1048576\).*raise data.max_record_bytes' "both limits"
printf "$wide" 'max_field_bytes = 4194304\nmax_record_bytes = 4194304\n' > wide_both.toml
expect_exit 0 "record over 1 MiB with both limits raised" -- "$MLP" train wide_both.toml --out r10 -q
grep -q '^max_record_bytes = 4194304$' r10/config.toml && pass || fail "max_record_bytes recorded in config.toml"

finish
