#!/usr/bin/env bash
# Reproducibility (RELIABILITY N7): two runs with the same seed and the same thread count give a
# bit-identical model.mlp and identical metrics.csv / metrics.jsonl once the time columns
# (seconds, samples_per_second) are removed; another seed gives another model. Checked for 1 and
# for 2 threads; at 2 threads each batch of 256 is split over the threads by columns and the
# per-thread gradients summed (Network::forward_backward). What holds across thread counts and
# machines: docs/reliability.md.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/digits_8x8.csv" .

cat > digits.toml <<'TOML'
[data]
train = "digits_8x8.csv"
target = "digit"
task = "classification"
split = [0.8, 0.1, 0.1]
[model]
hidden = [512, 512]
keep_prob = 0.9
[train]
optimizer = "adam"
learning_rate = 0.003
batch_size = 256
epochs = 6
seed = 11
TOML

# The metrics without their time columns: CSV columns chosen by header name, JSONL keys removed.
csv_untimed() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i != "seconds" && $i != "samples_per_second") keep[i] = 1 }
           { out = ""; for (i = 1; i <= NF; i++) if (keep[i]) out = out (out == "" ? "" : ",") $i; print out }' "$1"
}
jsonl_untimed() { sed -E 's/"(seconds|samples_per_second)":[^,}]*,?//g' "$1"; }

for threads in 1 2; do
  for r in a b; do
    expect_exit 0 "threads=$threads run $r" -- "$MLP" train digits.toml --out "t$threads$r" -q --set "train.threads=$threads"
  done
  a=t${threads}a b=t${threads}b
  cmp -s "$a/model.mlp" "$b/model.mlp" && pass || fail "threads=$threads: model.mlp differs between two runs"
  # Guard against a vacuous comparison: one CSV line per epoch plus the header, and the time
  # columns really were there and really were removed.
  [ "$(wc -l < "$a/metrics.csv")" -eq 7 ] && pass || fail "threads=$threads: metrics.csv has $(wc -l < "$a/metrics.csv") lines, expected 7"
  head -1 "$a/metrics.csv" | grep -q ',seconds,' && pass || fail "metrics.csv has no seconds column"
  csv_untimed "$a/metrics.csv" | head -1 | grep -q seconds && fail "time columns not removed" || pass
  [ "$(csv_untimed "$a/metrics.csv")" = "$(csv_untimed "$b/metrics.csv")" ] && pass || fail "threads=$threads: metrics.csv differs (time columns aside)"
  jsonl_untimed "$a/metrics.jsonl" | grep -q seconds && fail "time keys not removed" || pass
  [ "$(jsonl_untimed "$a/metrics.jsonl")" = "$(jsonl_untimed "$b/metrics.jsonl")" ] && pass || fail "threads=$threads: metrics.jsonl differs (time keys aside)"
  cmp -s "$a/summary.json" "$b/summary.json" >/dev/null || true   # holds timings: not compared
done

# Another seed: another model and other metrics.
expect_exit 0 "another seed" -- "$MLP" train digits.toml --out seed2 -q --set train.seed=12 --set train.threads=1
cmp -s t1a/model.mlp seed2/model.mlp && fail "another seed gives the same model" || pass
[ "$(csv_untimed t1a/metrics.csv)" != "$(csv_untimed seed2/metrics.csv)" ] && pass || fail "another seed gives the same metrics"

# Across thread counts nothing is promised (docs/reliability.md); report what this build does.
if [ "$(csv_untimed t1a/metrics.csv)" = "$(csv_untimed t2a/metrics.csv)" ]; then
  echo "note: 1 and 2 threads give identical metrics on this machine"
else
  echo "note: 1 and 2 threads give different metrics on this machine (allowed)"
fi
finish
