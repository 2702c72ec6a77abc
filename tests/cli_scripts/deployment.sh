#!/usr/bin/env bash
# `mlp export` (ONNX, C) and `mlp import` end to end: ONNX Runtime and the system C compiler
# against `mlp predict`, onnx.checker, export -> import -> export, the PyTorch-exported fixture,
# refused graphs (tests/onnx/check_deployment.py; docs/deployment.md). Skips (77), saying why,
# without Debian's python3-onnx, node or onnxruntime-node (scripts/install-deps.sh).
set -u
MLP=$(readlink -f "$1")
SRC=$(readlink -f "$2")
PY=/usr/bin/python3
if ! "$PY" -c 'import onnx, numpy' 2>/dev/null; then
  echo "SKIP: $PY lacks python3-onnx / python3-numpy (scripts/install-deps.sh)"
  exit 77
fi
exec "$PY" "$SRC/tests/onnx/check_deployment.py" "$MLP" "$SRC"
