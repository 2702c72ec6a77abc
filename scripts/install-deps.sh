#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of mlp from Debian 12 packages.
# Usage: sudo scripts/install-deps.sh        (root is needed for apt-get)
#   MLP_DEPS_MINIMAL=1  skip the optional reference/benchmark packages (PyTorch, NumPy, Chromium,
#                       Fashion-MNIST); tests that need them skip themselves.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang-14 libclang-rt-14-dev           # sanitizer and fuzzer builds
  libomp-14-dev                         # ThreadSanitizer job: LLVM OpenMP with Archer
  libeigen3-dev libopenblas-dev         # matrix math
  libcli11-dev libtomlplusplus-dev      # command line, configuration
  libfmt-dev nlohmann-json3-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev librapidcheck-dev
)
optional=(
  dataset-fashion-mnist                 # the main example's data
  python3-numpy python3-torch           # reference values and side-by-side benchmarks
  chromium                              # renders report.html in a test
)

missing=()
wanted=("${packages[@]}")
[ -n "${MLP_DEPS_MINIMAL:-}" ] || wanted+=("${optional[@]}")
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
