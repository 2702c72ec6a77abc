#!/usr/bin/env bash
# `cmake --install` the built library into a temporary prefix, then build and run a separate
# project that finds it with find_package(mlp) and links mlp::mlp.
set -euo pipefail
build=$(readlink -f "$1")
src=$(readlink -f "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
flags=$(sed -n 's/^CMAKE_CXX_FLAGS:[A-Z]*=//p' "$build/CMakeCache.txt")
linkflags=""
if grep -q "^MLP_SANITIZE:BOOL=ON" "$build/CMakeCache.txt"; then
  flags="$flags -fsanitize=address,undefined"
  linkflags="-fsanitize=address,undefined"
fi
cmake -S "$src/tests/install_consumer" -B "$work/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$linkflags" \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/consumer" > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer"
