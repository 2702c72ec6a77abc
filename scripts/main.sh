#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: `mlp train examples/fashion_mnist.toml`
# trains a 784-256-128-10 network on Fashion-MNIST and prints its dev and test metrics.
# Extra arguments go to `mlp train` (e.g. --set train.epochs=3).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the main job needs: the packages of the `mlp` command and the data, and the build of
# that one target (tests, benchmarks, examples, ONNX and the Python module are left out here;
# scripts/test.sh installs and builds them in the same build/ directory).
bash scripts/install-deps.sh --main
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DMLP_BUILD_TESTS=OFF \
  -DMLP_BUILD_BENCHMARKS=OFF -DMLP_BUILD_EXAMPLES=OFF -DMLP_ONNX=OFF -DMLP_PYTHON=OFF
cmake --build build -j "$(nproc)" --target mlp_cli
exec build/mlp train examples/fashion_mnist.toml --out runs/fashion_mnist --force "$@"
