"""Shared fixtures of the Python module's tests (run by tests/python/run.sh, ctest python.pytest)."""
import csv
import os
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def read_csv(path, target):
    """Features (float) and target column (str) of a CSV with a header."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    t = header.index(target)
    X = np.array([[float(v) for j, v in enumerate(r) if j != t] for r in rows])
    y = np.array([r[t] for r in rows])
    names = [h for j, h in enumerate(header) if j != t]
    return X, y, names


@pytest.fixture(scope="session")
def iris():
    """Iris (examples/data/iris.csv): X (150, 4) float64, y species names, feature names."""
    return read_csv(ROOT / "examples" / "data" / "iris.csv", "species")


@pytest.fixture(scope="session")
def housing():
    """Boston housing (examples/data/boston_housing.csv): X, y (float), feature names."""
    X, y, names = read_csv(ROOT / "examples" / "data" / "boston_housing.csv", "MEDV")
    return X, y.astype(np.float64), names


@pytest.fixture(scope="session")
def mlp_cli():
    """The built `mlp` command (MLP_CLI, set by run.sh); tests that need it skip without it."""
    path = os.environ.get("MLP_CLI")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("MLP_CLI is not set to the built mlp command")
    return path
