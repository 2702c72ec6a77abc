"""The model file is the CLI's: a model saved from Python predicts identically with
`mlp predict`, and a model trained by `mlp train` predicts identically from Python."""
import csv
import json
import subprocess

import numpy as np
import pytest

import mlp


def write_csv(path, names, X, extra=None):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names + ([extra[0]] if extra else []))
        for j, row in enumerate(X):
            w.writerow([repr(float(v)) for v in row] + ([extra[1][j]] if extra else []))


def cli_predict(cli, model, data):
    out = subprocess.run([cli, "predict", str(model), str(data)], check=True,
                         capture_output=True, text=True).stdout
    rows = list(csv.reader(out.splitlines()))
    return rows[0], rows[1:]


def test_python_model_predicts_identically_in_cli(tmp_path, iris, mlp_cli):
    X, y, names = iris
    clf = mlp.MLPClassifier(hidden=(8,), epochs=10, threads=1).fit(X, y)
    model = tmp_path / "py.mlp"
    clf.save(model)
    # Feature names: generated x0..x3 for a plain array; the CSV gives the columns by name.
    data = tmp_path / "in.csv"
    write_csv(data, [f"x{j}" for j in range(4)], X)
    header, rows = cli_predict(mlp_cli, model, data)
    assert header == ["label"] + [f"p_{c}" for c in clf.classes_]
    assert [r[0] for r in rows] == list(clf.predict(X))
    cli_p = np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float32)
    assert np.array_equal(cli_p, clf.predict_proba(X).astype(np.float32))


def test_regressor_model_predicts_identically_in_cli(tmp_path, housing, mlp_cli):
    X, y, names = housing
    reg = mlp.MLPRegressor(hidden=(8,), epochs=5, threads=1).fit(X, y)
    model = tmp_path / "reg.mlp"
    reg.save(model)
    data = tmp_path / "in.csv"
    write_csv(data, [f"x{j}" for j in range(X.shape[1])], X)
    header, rows = cli_predict(mlp_cli, model, data)
    assert header == ["y"]
    cli_p = np.array([float(r[0]) for r in rows], dtype=np.float32)
    assert np.array_equal(cli_p, reg.predict(X).astype(np.float32))


@pytest.mark.filterwarnings("ignore:X does not have valid feature names")
def test_cli_model_predicts_identically_in_python(tmp_path, iris, mlp_cli):
    X, y, names = iris
    from conftest import ROOT
    run = tmp_path / "run"
    subprocess.run([mlp_cli, "train", str(ROOT / "examples" / "iris.toml"), "--out", str(run),
                    "--set", "train.epochs=5", "--set", "train.threads=1"],
                   check=True, capture_output=True)
    est = mlp.load(run / "model.mlp")
    assert isinstance(est, mlp.MLPClassifier)
    assert list(est.classes_) == ["setosa", "versicolor", "virginica"]
    assert list(est.feature_names_in_) == names
    assert est.hidden == (16,) and est.seed == 1 and est.n_features_in_ == 4
    data = ROOT / "examples" / "data" / "iris.csv"
    header, rows = cli_predict(mlp_cli, run / "model.mlp", data)
    cli_p = np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float32)
    assert np.array_equal(cli_p, est.predict_proba(X).astype(np.float32))
    assert [r[0] for r in rows] == list(est.predict(X))


def test_save_load_round_trip_keeps_label_types(tmp_path, iris):
    X, _, _ = iris
    y = np.repeat([3, 7, 11], 50)
    clf = mlp.MLPClassifier(hidden=(4,), epochs=3, threads=1).fit(X, y)
    clf.save(tmp_path / "m.mlp")
    back = mlp.load(tmp_path / "m.mlp")
    assert back.classes_.dtype.kind == "i" and list(back.classes_) == [3, 7, 11]
    assert np.array_equal(back.predict(X), clf.predict(X))
    assert np.array_equal(mlp.from_bytes(clf.to_bytes()).predict_proba(X), clf.predict_proba(X))
    info = mlp.load(tmp_path / "m.mlp")._core.describe()["info"]
    assert "config" in info and json.loads(info["python.classes"]) == [3, 7, 11]


def test_corrupt_and_missing_files_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.mlp"):
        mlp.load(tmp_path / "nothing.mlp")
    bad = tmp_path / "bad.mlp"
    bad.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}12345678")
    with pytest.raises(ValueError, match="bad.mlp"):
        mlp.load(bad)
    with pytest.raises(mlp.DataError):
        mlp.from_bytes(b"garbage")
