#!/usr/bin/env bash
# Divergence recovery (docs/optimization.md "Divergence: stop or recover"): on a real example a
# learning rate far too high ends the run with train.on_divergence = "stop" (exit 1, naming the
# first non-finite tensor) and recovers with "recover": one line per recovery on stderr, the
# recoveries in --json and summary.json, and the accuracy of a sane run within its epochs.
# Bad values of the keys are configuration errors (exit 2); both keys may change on --resume.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" .

# Iris with plain gradient descent: 0.5 trains well (dev accuracy 1.0). 30 (60× too high)
# overflows in epoch 3 with "stop"; with "recover" each step whose cost is non-finite or has
# exploded (above 10⁴ × the first batch cost) is undone. 5 (10× too high) overflows nothing:
# "stop" ends at dev accuracy 0.8, "recover" undoes 2 exploding steps and, at 5/4, reaches the
# sane run's 1.0 (measured with this build; the check allows 0.05 below the sane run).
cat > iris.toml <<'TOML'
[data]
train = "iris.csv"
target = "species"
split = [0.8, 0.2, 0]
[model]
hidden = [16]
[train]
optimizer = "gd"
learning_rate = 0.5
batch_size = 8
epochs = 60
seed = 1
threads = 1
TOML

accuracy() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["dev"]["accuracy"])' "$1"; }

expect_exit 0 "sane learning rate" -- "$MLP" train iris.toml --out sane -q --json
expect_exit 1 "30: stop" -- "$MLP" train iris.toml --out stop -q --set train.learning_rate=30
expect_err "non-finite (cost|gradient|update) at epoch [0-9]+ batch [0-9]+ \(first non-finite: layers\." "stop names the first non-finite tensor"
expect_exit 0 "30: recover" -- "$MLP" train iris.toml --out recover --set train.learning_rate=30 \
  --set train.on_divergence=recover --set train.max_recoveries=20 --json
expect_err "^recovered from a divergence at epoch [0-9]+ batch [0-9]+ \((first non-finite: layers\.[^)]*\)|exploding cost: above 10000 × the first batch cost)\): step undone, batch skipped, learning rate 30 → 15$" \
  "the first recovery is logged as a line"
n_lines=$(grep -c "^recovered from a divergence" "$WORK/err")
cp "$WORK/out" recover.json
if have_python; then
  "$PY" - recover.json recover/summary.json "$n_lines" <<'PY' && pass || fail "recoveries in --json and summary.json"
import json, sys
out, summary, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
assert out["recoveries"] == summary["recoveries"], (out["recoveries"], summary["recoveries"])
r = out["recoveries"]
assert len(r) == n >= 1, (len(r), n)
lr = 30.0
for x in r:
    assert x["lr_before"] == lr and x["lr_after"] == lr / 2, x
    assert x["tensor"].startswith("layers.") or x["tensor"] in ("the loss", "exploding cost", "dev cost"), x
    lr /= 2
assert out["lr_multiplier"] == 2.0 ** -len(r), out["lr_multiplier"]
PY
  sane=$(accuracy sane/summary.json)
  for pol in stop recover; do
    expect_exit 0 "5 (10× too high): $pol" -- "$MLP" train iris.toml --out "ten-$pol" -q --set train.learning_rate=5 \
      --set train.on_divergence=$pol --set train.max_recoveries=20
  done
  stopped=$(accuracy ten-stop/summary.json)
  recovered=$(accuracy ten-recover/summary.json)
  n_ten=$(grep -c "^recovered from a divergence" "$WORK/err")
  echo "note: dev accuracy sane (lr 0.5) $sane; lr 5: stop $stopped, recover $recovered ($n_ten recoveries)"
  [ "$n_ten" -ge 1 ] && pass || fail "lr 5 recovers at least once"
  "$PY" -c 'import sys; s, r = map(float, sys.argv[1:]); assert r >= s - 0.05, (s, r)' "$sane" "$recovered" \
    && pass || fail "recovered run reaches the sane run's accuracy ($recovered vs $sane)"
fi
grep -q 'id="recoveries"' recover/report.html && pass || fail "report.html has the recoveries table"

# max_recoveries is respected: the error says how many were tried.
expect_exit 1 "max_recoveries = 1" -- "$MLP" train iris.toml --out few -q --set train.learning_rate=1e30 \
  --set train.on_divergence=recover --set train.max_recoveries=1
expect_err "after 1 recovery with the learning rate halved each time; train.max_recoveries = 1" "max_recoveries in the error"

# Hostile values: exit 2 naming the key and the allowed values.
expect_exit 2 "on_divergence = bogus" -- "$MLP" train iris.toml --out bad -q --set train.on_divergence=bogus
expect_err "train.on_divergence must be one of stop, recover" "bogus policy lists the allowed ones"
for v in -1 1001 1e400 nan 2.5 '"five"'; do
  expect_exit 2 "max_recoveries = $v" -- "$MLP" train iris.toml --out bad -q --set train.on_divergence=recover --set "train.max_recoveries=$v"
  expect_err "train.max_recoveries" "max_recoveries = $v named"
done

# Resume-safe: a run trained with "stop" goes on from its checkpoint with "recover".
expect_exit 0 "first part" -- "$MLP" train iris.toml --out part -q --set train.epochs=3
expect_exit 0 "resume with another policy" -- "$MLP" train --out part --resume -q --set train.epochs=6 \
  --set train.on_divergence=recover
grep -q 'on_divergence = "recover"' part/config.toml && pass || fail "config.toml records the new policy"
finish
