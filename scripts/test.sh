#!/usr/bin/env bash
# Installs dependencies, builds and runs the whole test suite.
#   scripts/test.sh              GCC release build in build/
#   scripts/test.sh --sanitize   clang-14 ASan+UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 -DMLP_SANITIZE=ON -DMLP_BUILD_BENCHMARKS=OFF \
    -DMLP_BUILD_EXAMPLES=OFF
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
  dir=build
  # Everything on, whatever a previous scripts/main.sh left in build/CMakeCache.txt (it turns
  # tests, benchmarks, examples, ONNX and Python off); -U lets MLP_ONNX / MLP_PYTHON / MLP_MPI
  # default again to "on when their packages are installed".
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLP_BUILD_TESTS=ON \
    -DMLP_BUILD_BENCHMARKS=ON -DMLP_BUILD_EXAMPLES=ON -UMLP_ONNX -UMLP_PYTHON -UMLP_MPI
fi
cmake --build "$dir" -j "$jobs"
cd "$dir"
ctest --output-on-failure -j "$jobs" --timeout 900
