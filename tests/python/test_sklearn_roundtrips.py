"""pickle, clone, GridSearchCV, Pipeline, partial_fit, fitted attributes."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import mlp


def small(Estimator, **kw):
    params = dict(hidden=(16,), epochs=30, learning_rate=0.01, batch_size=16, seed=3, threads=1)
    params.update(kw)
    return Estimator(**params)


def test_classifier_learns_iris_with_string_labels(iris):
    X, y, _ = iris
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = small(mlp.MLPClassifier).fit(Xtr, ytr)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert clf.n_features_in_ == 4
    assert clf.score(Xte, yte) >= 0.9
    P = clf.predict_proba(Xte)
    assert P.shape == (len(Xte), 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5)
    assert np.array_equal(clf.predict(Xte), clf.classes_[P.argmax(axis=1)])
    assert len(clf.loss_curve_) == 30 == clf.n_iter_ == len(clf.history_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert set(clf.history_[0]) >= {"epoch", "objective", "train", "dev", "learning_rate", "grad_norms"}
    assert clf.history_[-1]["train"]["accuracy"] >= 0.9


def test_regressor_learns_housing_in_original_units(housing):
    X, y, _ = housing
    reg = small(mlp.MLPRegressor, hidden=(32,), epochs=60).fit(X, y)
    assert reg.score(X, y) > 0.8
    pred = reg.predict(X)
    assert pred.shape == y.shape and abs(pred.mean() - y.mean()) < 2.0
    two = small(mlp.MLPRegressor, epochs=5).fit(X, np.c_[y, -y])
    assert two.predict(X).shape == (len(X), 2)


@pytest.mark.parametrize("Estimator", [mlp.MLPClassifier, mlp.MLPRegressor])
def test_pickle_round_trip_predicts_identically(Estimator, iris):
    X, y, _ = iris
    y = y if Estimator is mlp.MLPClassifier else X[:, 3]
    est = small(Estimator, epochs=5).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    assert back.get_params() == est.get_params()
    assert np.array_equal(back.predict(X), est.predict(X))
    assert back.loss_curve_ == est.loss_curve_
    state = est.__getstate__()
    assert "_core" not in state and state["_model_bytes"][:8] == est.to_bytes()[:8]
    # an unfitted estimator pickles too
    fresh = pickle.loads(pickle.dumps(Estimator(hidden=(3, 2))))
    assert fresh.hidden == (3, 2)


def test_clone_copies_parameters_not_fit(iris):
    X, y, _ = iris
    est = small(mlp.MLPClassifier, l2=0.1, activation="tanh").fit(X, y)
    c = clone(est)
    assert c.get_params() == est.get_params()
    assert not hasattr(c, "classes_") and not hasattr(c, "_core")
    c.set_params(hidden=(4,), epochs=2)
    assert c.get_params()["hidden"] == (4,) and est.hidden == (16,)


def test_grid_search_and_pipeline(iris):
    X, y, _ = iris
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", small(mlp.MLPClassifier, epochs=10))])
    grid = GridSearchCV(pipe, {"mlp__hidden": [(4,), (16,)], "mlp__learning_rate": [0.01, 0.03]},
                        cv=3, n_jobs=1)
    grid.fit(X, y)
    assert set(grid.best_params_) == {"mlp__hidden", "mlp__learning_rate"}
    assert grid.best_score_ > 0.8
    assert grid.score(X, y) > 0.8
    # the fitted search pickles and predicts the same
    back = pickle.loads(pickle.dumps(grid))
    assert np.array_equal(back.predict(X), grid.predict(X))


def test_fit_is_deterministic_and_seeded(iris):
    X, y, _ = iris
    a = small(mlp.MLPClassifier, epochs=5).fit(X, y).predict_proba(X)
    b = small(mlp.MLPClassifier, epochs=5).fit(X, y).predict_proba(X)
    c = small(mlp.MLPClassifier, epochs=5, seed=4).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_partial_fit_continues_training(iris):
    X, y, _ = iris
    clf = small(mlp.MLPClassifier)
    with pytest.raises(ValueError, match="classes"):
        clf.partial_fit(X, y)
    for _ in range(20):
        clf.partial_fit(X, y, classes=np.unique(y))
    assert len(clf.history_) == 20 and clf.n_iter_ == 20
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match="not in classes"):
        clf.partial_fit(X[:3], np.array(["rose"] * 3))
    reg = small(mlp.MLPRegressor)
    for _ in range(10):
        reg.partial_fit(X[:, :3], X[:, 3])
    assert reg.loss_curve_[-1] < reg.loss_curve_[0] and len(reg.history_) == 10


def test_early_stopping_uses_a_validation_split(iris):
    X, y, _ = iris
    clf = small(mlp.MLPClassifier, epochs=500, early_stopping=True, patience=3,
                validation_fraction=0.2, learning_rate=0.05).fit(X, y)
    assert clf.history_[-1]["dev"] is not None
    assert clf.n_iter_ < 500 and clf.stop_reason_ == "early_stopping"
    assert 1 <= clf.best_epoch_ <= clf.n_iter_


def test_sample_weight_as_repetitions(iris):
    X, y, _ = iris
    Xs, ys = X[::5], y[::5]
    w = np.ones(len(ys))
    w[:3] = 2
    a = small(mlp.MLPClassifier, epochs=3, batch_size=1000).fit(Xs, ys, sample_weight=w)
    b = small(mlp.MLPClassifier, epochs=3, batch_size=1000).fit(
        np.r_[Xs, Xs[:3]], np.r_[ys, ys[:3]])
    # the same examples with the same multiplicities: one full batch, the same mean cost
    np.testing.assert_allclose(a.predict_proba(Xs), b.predict_proba(Xs), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="whole multiples"):
        small(mlp.MLPClassifier).fit(Xs, ys, sample_weight=np.linspace(1, 2, len(ys)))
    with pytest.raises(ValueError, match=">= 0"):
        small(mlp.MLPClassifier).fit(Xs, ys, sample_weight=-w)
