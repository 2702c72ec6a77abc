#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job: trains a 784-256-128-10 network on
# Fashion-MNIST and prints its test metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$(nproc)"
exec build/examples/example_fashion_mnist "$@"
