"""`cmake --install` puts the package into the interpreter's site directory under the prefix
(lib/python3.X/dist-packages for Debian's /usr/local), where Python imports it."""
import os
import pathlib
import subprocess
import sys

import pytest


def test_cmake_install_gives_an_importable_package(tmp_path):
    build = os.environ.get("MLP_BUILD_DIR")
    if not build:
        pytest.skip("MLP_BUILD_DIR is not set (run through tests/python/run.sh)")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix)], check=True,
                   capture_output=True)
    found = sorted(prefix.glob("lib/python3*/*-packages/mlp/_core*.so"))
    assert found, "no mlp/_core*.so under the prefix"
    site = found[0].parent.parent
    for name in ("__init__.py", "_estimators.py", "__init__.pyi", "py.typed"):
        assert (site / "mlp" / name).is_file()
    code = ("import mlp, numpy as np; "
            "c = mlp.MLPClassifier(hidden=(3,), epochs=1).fit(np.eye(4), [0, 1, 0, 1]); "
            "print(mlp.__file__, c.predict(np.eye(4)).shape)")
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env=env, cwd=tmp_path).stdout
    assert out.startswith(str(site)) and "(4,)" in out
