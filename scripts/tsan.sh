#!/usr/bin/env bash
# ThreadSanitizer run of the code that runs on several threads (mlp's thread pool, the GEMM split
# over it, a batch split by columns, the optimizer's update), in build-tsan/, with clang 14.
#
# The pool (src/core/parallel.cpp) is plain C++ threads and atomics, which TSan understands;
# oneDNN's kernel runs on the calling thread (its OpenMP runtime is never asked for a team).
# Before the tests, two canaries prove the setup is meaningful: a race-free threaded program must
# be clean (no false positives) and a racy one must be reported (TSan really is watching).
#
#   scripts/tsan.sh                   the default selection of tests
#   TSAN_TESTS='regex' scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${MLP_SKIP_DEPS:-}" ] || bash scripts/install-deps.sh

dir=build-tsan
mkdir -p "$dir"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1"

# ---- canaries ----------------------------------------------------------------------------
cat > "$dir/canary.cpp" <<'CPP'
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>
// Without arguments: disjoint writes on two threads handed over through an atomic flag (as the
// pool does), read after (race-free). With an argument: two threads increment one variable.
int main(int argc, char**) {
  std::vector<double> v(1 << 14, 1.0), w(v.size());
  for (int rep = 0; rep < 10; ++rep) {
    std::atomic<int> done{0};
    std::thread t([&] {
      for (std::size_t i = 1; i < v.size(); i += 2) w[i] = 2 * v[i] + rep;
      done.fetch_add(1, std::memory_order_release);
    });
    for (std::size_t i = 0; i < v.size(); i += 2) w[i] = 2 * v[i] + rep;
    while (done.load(std::memory_order_acquire) == 0) {}
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = w[i] / 2;
    t.join();
  }
  double shared = 0;
  if (argc > 1) {
    std::thread a([&] { shared += 1; }), b([&] { shared += 1; });
    a.join();
    b.join();
  }
  std::printf("%g %g\n", v[3], shared);
}
CPP
clang++-14 -O1 -g -fsanitize=thread -pthread "$dir/canary.cpp" -o "$dir/canary"
if ! "$dir/canary" > "$dir/canary.clean.log" 2>&1; then
  echo "tsan: false positive on a race-free threaded program — TSan cannot check threads here:" >&2
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
for area in core train nn optim; do
  [ -d "tests/$area" ] && targets+=("test_$area")
done
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
tests=${TSAN_TESTS:-'^(core\.(Parallel|Gemm)|train\.|nn\.Threads\.|optim\.|cli\.(train|reproducible|search)$)'}
cd "$dir"
ctest --output-on-failure -j 1 --timeout 1800 -R "$tests"
