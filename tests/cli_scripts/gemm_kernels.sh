#!/usr/bin/env bash
# The GEMM kernel setting: MLP_GEMM=bogus is refused before anything is written (exit 2, the
# choices named); under auto the choices go to the cache file and two runs of one seed are bit
# for bit the same; every forced kernel available here trains to the same test accuracy.
set -u
source "$(dirname "$0")/lib.sh" "$@"
cp "$SRC/examples/data/iris.csv" .
printf '[data]\ntrain = "iris.csv"\ntarget = "species"\n[model]\nhidden = [64, 32]\n[train]\nlearning_rate = 0.01\nbatch_size = 64\nepochs = 20\nseed = 3\n' > iris.toml

MLP_GEMM=bogus expect_exit 2 "unknown kernel" -- "$MLP" train iris.toml --out bogus-run -q
expect_err "MLP_GEMM='bogus' is not a GEMM kernel — choose one of: auto, eigen" "the choices named"
[ ! -e bogus-run ] && pass || fail "a run directory was written before the kernel setting was checked"
MLP_GEMM= expect_exit 0 "empty MLP_GEMM means auto" -- "$MLP" inspect --help

# A cache that is not a regular file is ignored (no hang on /dev/zero, no block on a FIFO).
mkfifo fifo
for c in /dev/zero "$WORK/fifo" "$WORK"; do
  MLP_GEMM_CACHE=$c expect_exit 0 "MLP_GEMM_CACHE=$c" -- timeout 60 "$MLP" train iris.toml --out c-run -q --force
done
[ -c /dev/zero ] && pass || fail "/dev/zero was replaced"

export MLP_GEMM_CACHE="$WORK/kernels.tsv"
MLP_GEMM=auto expect_exit 0 "train under auto" -- "$MLP" train iris.toml --out a -q
auto_test=$(grep -o '^test:  cost [0-9.]*, accuracy [0-9.]*' out | sed 's/.*accuracy //')
MLP_GEMM=auto expect_exit 0 "train again under auto" -- "$MLP" train iris.toml --out b -q
cmp -s a/model.mlp b/model.mlp && pass || fail "two runs of one seed under auto differ"
[ -s "$MLP_GEMM_CACHE" ] && grep -Eq $'\t(eigen|onednn)$' "$MLP_GEMM_CACHE" && pass ||
  fail "no choice in the cache file $MLP_GEMM_CACHE"
for k in eigen onednn; do
  if MLP_GEMM=$k "$MLP" train iris.toml --out "run-$k" -q >"out-$k" 2>"err-$k"; then
    got=$(grep -o '^test:  cost [0-9.]*, accuracy [0-9.]*' "out-$k" | sed 's/.*accuracy //')
    [ -n "$auto_test" ] && [ "$got" = "$auto_test" ] && pass ||
      fail "MLP_GEMM=$k: test accuracy '$got', auto's '$auto_test'"
  else
    grep -q "not available here" "err-$k" && pass || { fail "MLP_GEMM=$k failed"; head -3 "err-$k" >&2; }
  fi
done
finish
