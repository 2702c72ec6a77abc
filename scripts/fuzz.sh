#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan, build-fuzz/) and runs each of them for a
# bounded time from a copy of its committed corpus (RELIABILITY §2.8 job 3).
#
#   scripts/fuzz.sh                 every target, FUZZ_SECONDS (default 60) each
#   scripts/fuzz.sh csv idx         only these targets
#   FUZZ_SECONDS=300 scripts/fuzz.sh
#   FUZZ_ARGS='-flag=v ...'        extra libFuzzer flags, after (and overriding) the ones below
#   FUZZ_OUT=DIR                    keep work copies, logs and crash files in DIR (default: a
#                                   fresh directory under build-fuzz/runs/)
#
# The committed corpus fuzz/corpus/<name>/ is never written to: each run works on a copy. Any
# crash, leak, timeout or out-of-memory input fails the script and its path is printed; to keep it
# as a regression input, copy it into fuzz/corpus/<name>/ (it then replays as ctest fuzz.<name>).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv idx model_load config onnx_import)  # onnx_import: mlp import (ONNX)

[ -n "${MLP_SKIP_DEPS:-}" ] || bash scripts/install-deps.sh
dir=build-fuzz
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DMLP_FUZZ=ON -DMLP_BUILD_TESTS=OFF \
  -DMLP_BUILD_BENCHMARKS=OFF -DMLP_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]/%/_fuzz}"

out=${FUZZ_OUT:-$src/$dir/runs/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

status=0
summary=()
for name in "${targets[@]}"; do
  bin=$src/$dir/fuzz/${name}_fuzz
  seeds=$src/fuzz/corpus/$name
  [ -d "$seeds" ] || { echo "fuzz: no corpus $seeds" >&2; exit 2; }
  work=$out/$name
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -R "$seeds/." "$work/corpus/"
  dict=()
  for d in "fuzz/${name}_fuzz.dict" "fuzz/${name}.dict"; do
    [ -f "$d" ] && { dict=("-dict=$src/$d"); break; }
  done
  echo "== fuzz $name: ${seconds} s from $(ls "$work/corpus" | wc -l) seed inputs ${dict[*]}"
  set +e
  "$bin" "$work/corpus" "${dict[@]}" \
    -max_total_time="$seconds" -malloc_limit_mb=512 -rss_limit_mb=1024 -timeout=10 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_ARGS:-} \
    > "$work/log" 2>&1
  code=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  corpus=$(ls "$work/corpus" | wc -l)
  crashes=$(find "$work/artifacts" -type f | sort)
  line="fuzz $name: executions ${execs:-?}, corpus $corpus files, exit $code"
  echo "$line"
  summary+=("$line")
  if [ "$code" -ne 0 ] || [ -n "$crashes" ]; then
    status=1
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/log" | head -5 >&2 || true
    for f in $crashes; do echo "fuzz $name: reproducer $f  (replay: $bin $f)" >&2; done
    [ -n "$crashes" ] || echo "fuzz $name: failed without an artifact; log: $work/log" >&2
  fi
done

echo "== fuzz summary (${seconds} s per target; logs in $out)"
printf '%s\n' "${summary[@]}"
exit $status
