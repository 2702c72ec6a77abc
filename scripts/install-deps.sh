#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of mlp from Debian 12 packages.
# Usage: sudo scripts/install-deps.sh        (root is needed for apt-get)
#   MLP_DEPS_MINIMAL=1  skip the optional reference/benchmark packages (PyTorch, NumPy, Chromium,
#                       Fashion-MNIST); tests that need them skip themselves.
#   --main              only what scripts/main.sh needs (the `mlp` command and Fashion-MNIST);
#                       scripts/test.sh and .ci/run call it without, installing everything.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang-14 libclang-rt-14-dev           # sanitizer and fuzzer builds
  libeigen3-dev libopenblas-dev         # matrix math: Eigen's GEMM, OpenBLAS's (a candidate kernel)
  libdnnl-dev                           # oneDNN's sgemm: the fastest candidate kernel measured here
  ocl-icd-opencl-dev                    # OpenCL headers: libdnnl-dev's CMake package requires them
  libxsmm-dev                           # libxsmm's JIT kernels: a candidate for small shapes
  libcli11-dev libtomlplusplus-dev      # command line, configuration
  libfmt-dev nlohmann-json3-dev zlib1g-dev
  libssl-dev                            # SHA-256 of a run's data files (its reproducibility manifest)
  libgtest-dev libgmock-dev googletest libbenchmark-dev librapidcheck-dev
  libonnx-dev libprotobuf-dev           # mlp export / mlp import: the ONNX protobuf classes
  libopenmpi-dev openmpi-bin            # data-parallel training under mpirun (MLP_MPI, docs/distributed.md)
)
optional=(
  dataset-fashion-mnist                 # the main example's data
  python3-numpy python3-torch           # reference values and side-by-side benchmarks
  pybind11-dev python3-pybind11 python3-dev  # the Python module mlp (python/, MLP_PYTHON)
  python3-pytest python3-sklearn        # its tests (check_estimator) and benchmarks/compare_sklearn.py
  chromium                              # renders report.html in a test
  python3-onnx                          # onnx.checker on exported models (deployment test)
)

# ONNX Runtime for the deployment test (tests/onnx/run_onnx.js): onnxruntime-node from the npm
# registry into tests/onnx/node_modules (git-ignored). --ignore-scripts: its post-install step
# would fetch optional GPU parts from a host outside the registry; the CPU library ships in the
# package. Best effort, after the packages (also when all were present): without it the test
# skips, saying so.
install_onnxruntime() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/onnx"
  [ -z "${MLP_DEPS_MINIMAL:-}" ] || return 0
  [ -d "$dir/node_modules/onnxruntime-node" ] && return 0
  if ! command -v npm >/dev/null; then  # Debian's nodejs + npm, unless a Node.js is installed already
    ${SUDO:-} apt-get install -y -q --no-install-recommends nodejs npm >/dev/null ||
      { echo "install-deps: no npm, ONNX Runtime tests will skip"; return 0; }
  fi
  echo "install-deps: npm install onnxruntime-node into $dir/node_modules"
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --no-save --no-package-lock \
     onnxruntime-node@1.30.0 >/dev/null) || echo "install-deps: npm install failed, ONNX Runtime tests will skip"
}
trap 'status=$?; [ "$status" -ne 0 ] || install_onnxruntime; exit "$status"' EXIT

missing=()
wanted=("${packages[@]}")
[ -n "${MLP_DEPS_MINIMAL:-}" ] || wanted+=("${optional[@]}")
# --main: the build of the `mlp` command alone (no tests, benchmarks, sanitizers, ONNX, Python)
# and the main job's data; no ONNX Runtime either (MLP_DEPS_MINIMAL skips it).
if [ "${1:-}" = "--main" ]; then
  wanted=(build-essential cmake ninja-build pkg-config libeigen3-dev libcli11-dev
          libtomlplusplus-dev libfmt-dev nlohmann-json3-dev zlib1g-dev libssl-dev libdnnl-dev ocl-icd-opencl-dev libxsmm-dev
          dataset-fashion-mnist)
  MLP_DEPS_MINIMAL=1
fi
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
