#!/usr/bin/env bash
# ThreadSanitizer run of the code that runs on several threads (the OpenMP GEMM), in build-tsan/.
#
# GCC's libgomp is not instrumented for TSan, so a GCC build reports false races inside the
# OpenMP runtime. This job therefore uses clang 14 with LLVM's libomp and its Archer tool
# (libarcher.so, Debian libomp-14-dev), which tells TSan about OpenMP's fork/join and barriers.
# Before the tests, two canaries prove the setup is meaningful: a race-free OpenMP program must
# be clean (no false positives) and a racy one must be reported (TSan really is watching).
#
#   scripts/tsan.sh                   the default selection of tests
#   TSAN_TESTS='regex' scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${MLP_SKIP_DEPS:-}" ] || bash scripts/install-deps.sh

if ! grep -q 'OpenMP' CMakeLists.txt; then
  echo "tsan: the library starts no threads of its own (no OpenMP in CMakeLists.txt); nothing to check"
  exit 0
fi
archer=/usr/lib/llvm-14/lib/libarcher.so
[ -f "$archer" ] || { echo "tsan: $archer missing (install libomp-14-dev)" >&2; exit 1; }

dir=build-tsan
mkdir -p "$dir"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"
export OMP_TOOL_LIBRARIES=$archer

# ---- canaries ----------------------------------------------------------------------------
cat > "$dir/canary.cpp" <<'CPP'
#include <omp.h>
#include <cstdio>
#include <vector>
// Without arguments: disjoint writes in a parallel region, read after the join (race-free).
// With an argument: two threads increment one variable (a race).
int main(int argc, char**) {
  std::vector<double> v(1 << 14, 1.0), w(v.size());
  for (int rep = 0; rep < 10; ++rep) {
#pragma omp parallel num_threads(2)
    for (std::size_t i = omp_get_thread_num(); i < v.size(); i += 2) w[i] = 2 * v[i] + rep;
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = w[i] / 2;
  }
  double shared = 0;
  if (argc > 1) {
#pragma omp parallel num_threads(2)
    shared += 1;
  }
  std::printf("%g %g\n", v[3], shared);
}
CPP
clang++-14 -O1 -g -fsanitize=thread -fopenmp "$dir/canary.cpp" -o "$dir/canary"
if ! "$dir/canary" > "$dir/canary.clean.log" 2>&1; then
  echo "tsan: false positive on a race-free OpenMP program — TSan cannot check OpenMP code here:" >&2
  head -20 "$dir/canary.clean.log" >&2
  exit 1
fi
if TSAN_OPTIONS="${TSAN_OPTIONS/halt_on_error=1/halt_on_error=0}" "$dir/canary" race > "$dir/canary.race.log" 2>&1 \
   && ! grep -q 'WARNING: ThreadSanitizer: data race' "$dir/canary.race.log"; then
  echo "tsan: a real race went unreported — the TSan setup is not working" >&2
  exit 1
fi
echo "tsan: canaries ok (race-free program clean, racy program reported)"

# ---- the tests ---------------------------------------------------------------------------
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=thread" \
  -DMLP_BUILD_BENCHMARKS=OFF -DMLP_BUILD_EXAMPLES=OFF >/dev/null
# tests/alloc replaces the global operator new, which TSan's runtime defines itself: not built.
targets=(mlp_cli)
for area in train nn optim; do
  [ -d "tests/$area" ] && targets+=("test_$area")
done
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
tests=${TSAN_TESTS:-'^(train\.|nn\.Threads\.|optim\.|cli\.(train|reproducible|search)$)'}
cd "$dir"
ctest --output-on-failure -j 1 --timeout 1800 -R "$tests"
