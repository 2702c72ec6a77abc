#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: `mlp train examples/fashion_mnist.toml`
# trains a 784-256-128-10 network on Fashion-MNIST and prints its dev and test metrics.
# Extra arguments go to `mlp train` (e.g. --set train.epochs=3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
exec build/mlp train examples/fashion_mnist.toml --out runs/fashion_mnist --force "$@"
