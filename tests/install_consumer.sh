#!/usr/bin/env bash
# `cmake --install` the built library into a temporary prefix, then build and run a separate
# project that finds it with find_package(mlp) and links mlp::mlp, and build the README's library
# example (examples/library.cpp) once more with pkg-config alone:
#   g++ library.cpp $(pkg-config --cflags --libs mlp)
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
# The README's example, built by CMake against the install: trains on iris, saves, loads, predicts.
(cd "$work" && "$work/consumer/library_example" "$src/examples/data/iris.csv") > "$work/cmake.out" ||
  { cat "$work/cmake.out"; exit 1; }
grep -q '^example 1: setosa$' "$work/cmake.out" || { echo "library_example (CMake): unexpected output"; cat "$work/cmake.out"; exit 1; }

# The same with pkg-config and the compiler alone (only the installed tree on PKG_CONFIG_PATH).
pc=$(find "$work/prefix" -name mlp.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || { echo "mlp.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"
pcflags=$(pkg-config --cflags --libs mlp) || { echo "pkg-config --cflags --libs mlp failed"; exit 1; }
echo "pkg-config --cflags --libs mlp: $pcflags"
# shellcheck disable=SC2086  # word splitting of the flags is intended
"$compiler" $flags "$src/examples/library.cpp" -o "$work/library_pc" $pcflags $linkflags ||
  { echo "building examples/library.cpp with pkg-config failed"; exit 1; }
(cd "$work" && rm -f iris.mlp && "$work/library_pc" "$src/examples/data/iris.csv") > "$work/pc.out" ||
  { cat "$work/pc.out"; exit 1; }
grep -q '^example 1: setosa$' "$work/pc.out" || { echo "library_pc: unexpected output"; cat "$work/pc.out"; exit 1; }
echo "ok: find_package and pkg-config"
