#!/usr/bin/env bash
# mlp predict reads its input while it predicts: an endless standard input gets its first
# output line within one block (4096 rows), memory stays that of one block whatever the input's length,
# and the output is byte for byte that of predicting the blocks one by one (and the same into
# a file, from stdin, or with --json -o).
set -u
source "$(dirname "$0")/lib.sh" "$@"
train_fixtures predict_stream
export OMP_NUM_THREADS=1  # the address space below does not depend on the machine's cores
HEADER=sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm
# 200 MB of address space: predicting takes about 150 MB of it (mostly code and thread stacks),
# holding a few million input rows does not fit. A sanitizer build reserves terabytes up front:
# no cap there (and no memory check below).
CAP=200000
( ulimit -v "$CAP" && "$MLP" --help ) >/dev/null 2>&1 || CAP=unlimited
capped() { ( ulimit -v "$CAP"; exec timeout 30 "$@" ); }

# ---- an endless standard input: the first prediction arrives at once ------------------------
# The reference is the same row predicted in a block of 4096 like it (the stream's first block):
# alone it would be a matrix-vector product, which may differ in the last bits.
expect_exit 0 "reference prediction" -- "$MLP" predict "$IRIS" <({ echo "$HEADER"; yes '5.1,3.5,1.4,0.2' | head -n 4096; })
want=$(sed -n 2p out)
start=$(date +%s%N)
got=$({ echo "$HEADER"; yes '5.1,3.5,1.4,0.2'; } | capped "$MLP" predict "$IRIS" - 2>endless_err | head -n 2 | tail -n 1)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -n "$want" ] && [ "$got" = "$want" ] && pass || { fail "no prediction from an endless stdin (got '$got', want '$want')"; head -3 endless_err >&2; }
[ "$elapsed_ms" -lt 10000 ] && pass || fail "the first prediction of an endless stdin took ${elapsed_ms} ms"

# ---- bounded memory: two million rows in the space of one block -----------------------------
if [ "$CAP" != unlimited ] && [ -x /usr/bin/time ]; then
  { echo "$HEADER"; yes '5.1,3.5,1.4,0.2' | head -n 2000000; } > /dev/null  # (warm the pipe tools)
  { echo "$HEADER"; yes '5.1,3.5,1.4,0.2' | head -n 2000000; } |
    /usr/bin/time -f '%M' -o rss.txt bash -c 'ulimit -v '"$CAP"'; exec timeout 60 "$0" predict "$1" -' "$MLP" "$IRIS" > many.csv 2>many_err
  [ "$(wc -l < many.csv)" -eq 2000001 ] && pass || { fail "two million rows predicted: $(wc -l < many.csv) lines"; head -3 many_err >&2; }
  rss=$(tail -n 1 rss.txt)
  # Against the same command on one block (4096 rows): the libraries' code and the kernels'
  # buffers are the same, holding 2·10⁶ rows would add ≥ 32 MB of floats alone.
  { echo "$HEADER"; yes '5.1,3.5,1.4,0.2' | head -n 4096; } |
    /usr/bin/time -f '%M' -o rss_one.txt bash -c 'ulimit -v '"$CAP"'; exec timeout 60 "$0" predict "$1" -' "$MLP" "$IRIS" > /dev/null 2>&1
  base=$(tail -n 1 rss_one.txt)
  [ $(( ${rss:-999999} - ${base:-0} )) -lt 16000 ] && pass ||
    fail "peak memory for two million rows: ${rss} kB, for one block ${base} kB (the rows are held?)"
fi

# ---- the same bytes, block by block and in every output mode --------------------------------
{ echo "$HEADER"; for i in $(seq 1 70); do tail -n +2 iris.csv | cut -d, -f1-4; done; } > big.csv   # 10500 rows
expect_exit 0 "predict a file of several blocks" -- "$MLP" predict "$IRIS" big.csv
cp out big_pred.csv
[ "$(wc -l < big_pred.csv)" -eq 10501 ] && pass || fail "one output row per input row"
# Blocks of 4096 rows predicted one file each give the same bytes as the whole file.
tail -n +2 big.csv | split -l 4096 - part_
: > parts_pred.csv
for p in part_*; do
  { echo "$HEADER"; cat "$p"; } > "$p.csv"
  "$MLP" predict "$IRIS" "$p.csv" | tail -n +2 >> parts_pred.csv
done
cmp -s <(tail -n +2 big_pred.csv) parts_pred.csv && pass || fail "block-by-block predictions differ from the whole file's"
"$MLP" predict "$IRIS" - < big.csv > big_stdin.csv && cmp -s big_stdin.csv big_pred.csv && pass || fail "stdin output differs"
"$MLP" predict "$IRIS" big.csv -o big_o.csv > /dev/null && cmp -s big_o.csv big_pred.csv && pass || fail "-o output differs"
"$MLP" predict "$IRIS" big.csv -o big_oj.csv --json > big_oj.json && cmp -s big_oj.csv big_pred.csv && pass || fail "--json -o output differs"
grep -q '"rows": 10500' big_oj.json && pass || fail "--json -o counts the rows: $(cat big_oj.json)"
if have_python; then
  "$MLP" predict "$IRIS" big.csv --json > big.json &&
  "$PY" - big.json big_pred.csv <<'PY' && pass || fail "--json rows are the CSV rows"
import csv, json, sys
rows = json.load(open(sys.argv[1]))
table = list(csv.DictReader(open(sys.argv[2])))
assert len(rows) == len(table) == 10500, (len(rows), len(table))
for r, t in zip(rows, table):
    assert r["label"] == t["label"]
    for k, v in r.items():
        if k != "label":
            assert float(t[k]) == v, (k, t[k], v)
PY
fi

# ---- errors: nothing before the first block, the earlier blocks before a later error --------
expect_exit 65 "a missing column fails before any output" -- "$MLP" predict "$IRIS" <(printf 'a,b\n1,2\n')
[ ! -s out ] && pass || fail "output written before a header error: $(head -2 out)"
{ cat big.csv; echo "5.1,oops,1.4,0.2"; } > bad_tail.csv
expect_exit 65 "a bad row after some blocks" -- "$MLP" predict "$IRIS" bad_tail.csv
expect_err "bad_tail.csv:10502:" "the bad row is named by its line"
[ "$(wc -l < out)" -eq $((1 + 2 * 4096)) ] && pass || fail "the blocks before the bad row's block are written: $(wc -l < out) lines"
expect_exit 65 "the same into -o" -- "$MLP" predict "$IRIS" bad_tail.csv -o bad_out.csv
[ ! -e bad_out.csv ] && pass || fail "-o FILE is not written when a row fails"

finish
