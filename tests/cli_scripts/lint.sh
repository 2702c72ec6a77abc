#!/usr/bin/env bash
# mlp lint: findings as text and JSON, exit 0 (advice) or 1 with --strict and an error;
# `mlp train` refusing an error-level finding (exit 65 for data, 2 for configuration) unless the
# check is skipped (--lint-ignore CODE, --no-lint).
set -u
source "$(dirname "$0")/lib.sh" "$@"
have_python || { echo "python3 needed"; exit 77; }

printf 'id,x,y\n' > leak.csv
for i in $(seq 1 40); do echo "$((i % 2)),$i,$((i % 2))" >> leak.csv; done
printf '[data]\ntrain = "leak.csv"\ntarget = "y"\ntask = "classification"\n[model]\nhidden = [4]\n[train]\nepochs = 2\nl2 = 0.1\n' > leak.toml
expect_exit 0 "lint (advice)" -- "$MLP" lint leak.toml
grep -q 'error target-leak' "$WORK/out" && grep -q 'fix: ' "$WORK/out" && pass || fail "text finding"
expect_exit 1 "lint --strict" -- "$MLP" lint leak.toml --strict
expect_exit 0 "lint --json" -- "$MLP" lint leak.toml --json
"$PY" -c "import json,sys; f=json.load(open(sys.argv[1]))['findings']; assert f[0]['code']=='target-leak' and f[0]['severity']=='error' and f[0]['fix'] and f[0]['message']" "$WORK/out" && pass || fail "json findings"
expect_exit 0 "lint --ignore --strict" -- "$MLP" lint leak.toml --ignore target-leak --strict
expect_exit 2 "unknown code" -- "$MLP" lint leak.toml --ignore no-such-check

expect_exit 65 "train refuses a leak" -- "$MLP" train leak.toml --out run1 -q
expect_err "target-leak.*--lint-ignore target-leak" "refusal names the skip"
[ ! -e run1 ] && pass || fail "a refused run wrote its directory"
expect_exit 0 "train --lint-ignore" -- "$MLP" train leak.toml --out run2 -q --lint-ignore target-leak
expect_exit 0 "train --no-lint" -- "$MLP" train leak.toml --out run3 -q --no-lint

cp "$SRC/examples/data/iris.csv" .
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [8, 8]\ninit = "zeros"\n[train]\nepochs = 2\n' > zero.toml
expect_exit 2 "train refuses zero init" -- "$MLP" train zero.toml --out run4 -q
expect_err "zero-init" "zero-init named"
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [8]\n[train]\nepochs = 2\n' > ok.toml
expect_exit 0 "clean config" -- "$MLP" lint ok.toml --strict
grep -q 'no findings' "$WORK/out" && pass || fail "no findings"
expect_exit 0 "--help" -- "$MLP" lint --help
finish
