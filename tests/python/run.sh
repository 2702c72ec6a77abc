#!/usr/bin/env bash
# ctest python.pytest: runs the Python module's test suite (tests/python/) with Debian's Python
# against the module in the build tree. Exit 77 (skipped) when the module was not built
# (MLP_PYTHON=OFF: no pybind11 or numpy) or pytest / scikit-learn are not installed.
# Usage: run.sh BUILD_DIR MLP_CLI
set -euo pipefail
build=$1
export MLP_CLI=$2
export MLP_BUILD_DIR=$build
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
if ! compgen -G "$build/python/mlp/_core*.so" > /dev/null; then
  echo "python.pytest: the Python module was not built (MLP_PYTHON=OFF); skipped"
  exit 77
fi
if ! "$py" -c "import pytest, sklearn, numpy" 2> /dev/null; then
  echo "python.pytest: pytest, scikit-learn or numpy is missing (scripts/install-deps.sh); skipped"
  exit 77
fi
export PYTHONPATH="$build/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$here/../.."
exec "$py" -m pytest -q -p no:cacheprovider "$here" "${@:3}"
