"""scikit-learn estimators on the mlp engine: MLPClassifier and MLPRegressor.

The estimators hold only their hyper-parameters until fit(); fit() turns them into the run
configuration's keys (docs/config.md) and hands the arrays to the C++ engine (mlp._core), which
validates the configuration with the same rules and messages as `mlp train`.
"""
from __future__ import annotations

import json
import numbers
import os
import warnings

import numpy as np

from . import _core

try:  # scikit-learn is optional at import time: without it the estimators still work alone.
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, column_or_1d
    _HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - Debian's python3-sklearn is a test dependency
    _HAVE_SKLEARN = False
    BaseEstimator = object

    class ClassifierMixin:  # type: ignore[no-redef]
        _estimator_type = "classifier"

    class RegressorMixin:  # type: ignore[no-redef]
        _estimator_type = "regressor"

__all__ = ["MLPClassifier", "MLPRegressor", "load"]

_CLASSES_KEY = "python.classes"


def _toml(value):
    """A parameter value as a TOML value for a `section.key=value` override."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot use {value!r} ({type(value).__name__}) as a setting")


def _as_float32(X, what="X"):
    """X as a 2-D float32 C-contiguous array: the same object when it already is one (no copy)."""
    if isinstance(X, np.ndarray) and X.dtype == np.float32 and X.flags.c_contiguous and X.ndim == 2:
        return X
    return np.ascontiguousarray(X, dtype=np.float32)


class _MLPBase(BaseEstimator):
    """Shared parameters and plumbing of MLPClassifier and MLPRegressor."""

    _task = "regression"

    def __init__(
        self,
        hidden=(64,),
        activation="relu",
        output="auto",
        loss="auto",
        init="he_normal",
        keep_prob=1.0,
        optimizer="adam",
        optimizer_settings=None,
        learning_rate=1e-3,
        schedule="constant",
        schedule_settings=None,
        batch_size=64,
        epochs=200,
        l1=0.0,
        l2=0.0,
        clip_norm=0.0,
        early_stopping=False,
        patience=5,
        min_delta=0.0,
        validation_fraction=0.1,
        normalize=True,
        seed=42,
        threads=0,
        verbose=False,
    ):
        self.hidden = hidden
        self.activation = activation
        self.output = output
        self.loss = loss
        self.init = init
        self.keep_prob = keep_prob
        self.optimizer = optimizer
        self.optimizer_settings = optimizer_settings
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.schedule_settings = schedule_settings
        self.batch_size = batch_size
        self.epochs = epochs
        self.l1 = l1
        self.l2 = l2
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.patience = patience
        self.min_delta = min_delta
        self.validation_fraction = validation_fraction
        self.normalize = normalize
        self.seed = seed
        self.threads = threads
        self.verbose = verbose

    # ---- configuration -----------------------------------------------------------------------

    def _overrides(self, partial=False):
        """The parameters as configuration keys ("section.key=value", docs/config.md)."""
        hidden = self.hidden
        if isinstance(hidden, numbers.Integral):
            hidden = (hidden,)
        o = [f"model.hidden={_toml(list(hidden))}"]
        o.append(f"model.activation={_toml(self.activation)}")
        if self.output != "auto":
            o.append(f"model.output={_toml(self.output)}")
        if self.loss != "auto":
            o.append(f"train.loss={_toml(self.loss)}")
        o.append(f"model.init={_toml(self.init)}")
        if len(hidden) > 0:
            o.append(f"model.keep_prob={_toml(self.keep_prob)}")
        o.append(f"train.optimizer={_toml(self.optimizer)}")
        for key, value in (self.optimizer_settings or {}).items():
            o.append(f"train.{key}={_toml(value)}")
        o.append(f"train.learning_rate={_toml(self.learning_rate)}")
        o.append(f"train.schedule.type={_toml(self.schedule)}")
        for key, value in (self.schedule_settings or {}).items():
            o.append(f"train.schedule.{key}={_toml(value)}")
        o.append(f"train.batch_size={_toml(self.batch_size)}")
        o.append(f"train.epochs={_toml(self.epochs)}")
        o.append(f"train.l1={_toml(self.l1)}")
        o.append(f"train.l2={_toml(self.l2)}")
        o.append(f"train.clip_norm={_toml(self.clip_norm)}")
        o.append(f"train.seed={_toml(self.seed)}")
        o.append(f"train.threads={_toml(self.threads)}")
        o.append(f"data.normalize={_toml('standard' if self.normalize else 'none')}")
        if self.early_stopping and not partial:
            f = self.validation_fraction
            if not isinstance(f, numbers.Real) or not 0.0 < f < 1.0:
                raise ValueError(f"validation_fraction must be in (0, 1) with early_stopping (got {f!r})")
            o.append(f"data.split={_toml([1.0 - float(f), float(f), 0.0])}")
            o.append("train.early_stopping.enabled=true")
            o.append(f"train.early_stopping.patience={_toml(self.patience)}")
            o.append(f"train.early_stopping.min_delta={_toml(self.min_delta)}")
        return o

    def _configure(self, partial=False):
        core = _core.Core()
        core.configure(self._overrides(partial))
        return core

    # ---- data --------------------------------------------------------------------------------

    def _check_X(self, X, reset):
        if _HAVE_SKLEARN:
            X = self._validate_data(X, reset=reset, dtype=np.float32, order="C", ensure_min_samples=1)
        else:
            X = _as_float32(X)
            if reset:
                self.n_features_in_ = X.shape[1]
        return _as_float32(X)

    def _feature_names(self):
        names = getattr(self, "feature_names_in_", None)
        if names is not None:
            return [str(n) for n in names]
        return [f"x{j}" for j in range(self.n_features_in_)]

    def _sample_subset(self, X, y, sample_weight):
        """sample_weight as multiplicities: the engine weights every example equally, so an
        example of weight 0 is left out and the others are repeated w / w_min times, which gives
        the weighted mean cost exactly when every weight is a whole multiple of the smallest
        positive one (uniform weights: the data as given). Other weights are a ValueError."""
        if sample_weight is None:
            return X, y
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64) if _HAVE_SKLEARN \
            else np.asarray(sample_weight, dtype=np.float64)
        if np.any(sw < 0) or not np.all(np.isfinite(sw)):
            raise ValueError("sample_weight must be finite and >= 0")
        keep = sw > 0
        if not np.any(keep):
            raise ValueError("sample_weight is 0 for every example: nothing to train on")
        ratio = sw / sw[keep].min()
        counts = np.rint(ratio).astype(np.int64)
        if not np.allclose(ratio, counts, rtol=1e-9, atol=1e-9):
            raise ValueError(
                "sample_weight: mlp weights every training example equally, so weights are taken "
                "as repetitions and must be whole multiples of the smallest positive weight "
                "(0 leaves an example out)")
        if counts.sum() > 100 * len(sw):
            raise ValueError(
                f"sample_weight: the weights repeat the examples {counts.sum()} times in all, more "
                f"than 100 x the {len(sw)} examples; scale them down")
        if np.all(counts == 1):
            return X, y
        index = np.repeat(np.arange(len(sw)), counts)
        return np.ascontiguousarray(X[index]), y[index]

    # ---- training ----------------------------------------------------------------------------

    def _run(self, core, X, labels, Y, class_names, target_names, info, partial):
        finished = core.fit(X, labels, Y, class_names, self._feature_names(), target_names, info, partial)
        self._core = core
        self._set_fitted_attributes()
        if not finished:
            raise KeyboardInterrupt(
                f"training stopped by the user after {len(self.history_)} complete epoch(s); "
                "the estimator keeps the weights reached")
        if self.verbose:
            for e in self.history_:
                print(f"epoch {e['epoch']}: objective {e['objective']:.6g}")
        return self

    def _set_fitted_attributes(self):
        self.history_ = self._core.history()
        self.loss_curve_ = [e["objective"] for e in self.history_]
        self.n_iter_ = len(self.history_)
        d = self._core.describe()
        self.best_epoch_ = d["best_epoch"]
        self.stop_reason_ = d["stop_reason"]

    def _predict_raw(self, X):
        core = getattr(self, "_core", None)
        # Fast path for a plain 2-D float ndarray of the right width (what predict is called with
        # in a serving loop): the checks scikit-learn's validation would make, without its cost.
        if (core is not None and type(X) is np.ndarray and X.ndim == 2
                and X.dtype in (np.float32, np.float64) and X.shape[0] > 0
                and X.shape[1] == self.n_features_in_
                and getattr(self, "feature_names_in_", None) is None):
            if not np.isfinite(X).all():
                raise ValueError("Input X contains NaN or infinity.")
            return core.predict(_as_float32(X))
        if _HAVE_SKLEARN:
            check_is_fitted(self, "_core")
        else:
            self._require_fitted()
        X = self._check_X(X, reset=False)
        return self._core.predict(X)

    # ---- files and pickling ------------------------------------------------------------------

    def save(self, path):
        """Writes the model file `mlp predict`, `mlp eval` and `mlp inspect` read
        (docs/model-format.md); atomically."""
        self._require_fitted()
        self._core.save(os.fspath(path))

    def to_bytes(self):
        """The model file's bytes."""
        self._require_fitted()
        return self._core.to_bytes()

    def _require_fitted(self):
        if getattr(self, "_core", None) is None:
            if _HAVE_SKLEARN:
                from sklearn.exceptions import NotFittedError
                raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first.")
            raise ValueError(f"This {type(self).__name__} instance is not fitted yet. Call 'fit' first.")

    def __getstate__(self):
        state = dict(self.__dict__)
        core = state.pop("_core", None)
        if core is not None:
            state["_model_bytes"] = core.to_bytes()
        return state

    def __setstate__(self, state):
        state = dict(state)
        data = state.pop("_model_bytes", None)
        self.__dict__.update(state)
        if data is not None:
            self._core = _core.Core.from_bytes(data, "pickle")

    def weights(self):
        """[(W, b), ...] per layer: W of shape (n_out, n_in), b of shape (n_out,), copies."""
        self._require_fitted()
        return self._core.weights()

    def _more_tags(self):
        return {
            "_xfail_checks": {
                "check_sample_weights_invariance":
                    "zero weights leave examples out, but the engine then sees the remaining "
                    "examples in another order, so float32 sums differ in the last bits",
                "check_methods_subset_invariance":
                    "predictions are float32 and the matrix-product kernels sum in another "
                    "order for another number of rows, so a row's prediction may differ by "
                    "about one float32 ulp (above the check's 1e-7)",
            },
        }


class MLPClassifier(ClassifierMixin, _MLPBase):
    """A multi-layer perceptron classifier (softmax output, cross-entropy loss by default).

    Parameters are the run configuration's keys (docs/config.md): ``hidden`` (widths of the
    hidden layers), ``activation`` (one name or one per hidden layer), ``optimizer``,
    ``learning_rate``, ``batch_size``, ``epochs``, ``l1``, ``l2``, ``keep_prob`` (dropout),
    ``early_stopping`` (with ``validation_fraction``, ``patience``), ``seed``, ``threads``, ...
    Inputs are standardized with the training set's statistics, kept in the model.

    Attributes after fit: ``classes_``, ``n_features_in_``, ``loss_curve_`` (objective per epoch),
    ``history_`` (per-epoch metrics), ``n_iter_``, ``best_epoch_``.
    """

    _task = "classification"

    def fit(self, X, y, sample_weight=None):
        """Trains a new network on X (n_samples, n_features) and labels y."""
        X, y = self._check_Xy(X, y, reset=True)
        X, y = self._sample_subset(X, y, sample_weight)
        self.classes_, labels = np.unique(y, return_inverse=True)
        return self._train(X, labels, partial=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch over X, y, continuing the network (and its optimizer state). The first call
        needs ``classes`` (every label that will ever be seen); it also fixes the standardization."""
        first = getattr(self, "_core", None) is None
        X, y = self._check_Xy(X, y, reset=first)
        X, y = self._sample_subset(X, y, sample_weight)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self.classes_ = np.unique(np.asarray(classes))
        elif classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={classes!r} differs from the first call's {self.classes_!r}")
        labels = np.searchsorted(self.classes_, y)
        labels = np.clip(labels, 0, len(self.classes_) - 1)
        unknown = self.classes_[labels] != y
        if np.any(unknown):
            raise ValueError(f"y holds labels not in classes: {np.unique(y[unknown])!r}")
        return self._train(X, labels, partial=True, first=first)

    def _check_Xy(self, X, y, reset):
        if _HAVE_SKLEARN:
            X, y = self._validate_data(X, y, reset=reset, dtype=np.float32, order="C")
            y = column_or_1d(y, warn=True)
            check_classification_targets(y)
        else:
            X = _as_float32(X)
            y = np.asarray(y).ravel()
            if reset:
                self.n_features_in_ = X.shape[1]
        return _as_float32(X), y

    def _train(self, X, labels, partial, first=True):
        if len(self.classes_) < 2:
            raise ValueError(
                f"a classifier needs at least 2 classes in y; got 1 class: {self.classes_[0]!r}")
        core = self._core if (partial and not first) else self._configure(partial)
        if partial and not first:
            core.configure(self._overrides(partial))
        info = {_CLASSES_KEY: json.dumps([_plain(c) for c in self.classes_])}
        return self._run(core, X, labels.astype(np.int32), None, [str(c) for c in self.classes_],
                         ["y"], info, partial)

    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, n_classes), columns in the order of classes_."""
        return self._predict_raw(X).astype(np.float64)

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The most probable class of each row."""
        P = self._predict_raw(X)
        return self.classes_[np.argmax(P, axis=1)]


class MLPRegressor(RegressorMixin, _MLPBase):
    """A multi-layer perceptron regressor (identity output, mean squared error).

    Parameters as for MLPClassifier; targets are standardized for training (predictions come
    back in the original units). y may have several columns.
    """

    def _more_tags(self):
        tags = _MLPBase._more_tags(self)
        tags["multioutput"] = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Trains a new network on X (n_samples, n_features) and targets y ((n_samples,) or
        (n_samples, n_targets))."""
        X, Y = self._check_Xy(X, y, reset=True)
        X, Y = self._sample_subset(X, Y, sample_weight)
        core = self._configure()
        return self._run(core, X, None, Y, [], self._target_names(), {}, False)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over X, y, continuing the network; the first call fixes the
        standardization of inputs and targets."""
        first = getattr(self, "_core", None) is None
        X, Y = self._check_Xy(X, y, reset=first)
        X, Y = self._sample_subset(X, Y, sample_weight)
        core = self._configure(True) if first else self._core
        if not first:
            core.configure(self._overrides(True))
        return self._run(core, X, None, Y, [], self._target_names(), {}, True)

    def _target_names(self):
        return ["y"] if self._y_1d else [f"y{k}" for k in range(self._n_targets)]

    def _check_Xy(self, X, y, reset):
        if _HAVE_SKLEARN:
            X, y = self._validate_data(X, y, reset=reset, dtype=np.float32, order="C",
                                       multi_output=True, y_numeric=True)
        else:
            X = _as_float32(X)
            y = np.asarray(y, dtype=np.float32)
            if reset:
                self.n_features_in_ = X.shape[1]
        y = np.asarray(y)
        one_d = y.ndim == 1
        Y = np.ascontiguousarray(y.reshape(len(y), -1), dtype=np.float32)
        if reset:
            self._y_1d = one_d
            self._n_targets = Y.shape[1]
        elif Y.shape[1] != self._n_targets:
            raise ValueError(f"y has {Y.shape[1]} target(s), but the model predicts {self._n_targets}")
        if not np.all(np.isfinite(Y)):
            raise ValueError("y contains NaN or infinity")
        return _as_float32(X), Y

    def predict(self, X):
        """Predictions in the units of y: shape (n_samples,) when y was 1-D, else (n_samples, k)."""
        P = self._predict_raw(X).astype(np.float64)
        return P[:, 0] if self._y_1d else P


def _plain(c):
    """A label as a JSON value (numpy scalars to Python ones)."""
    if isinstance(c, np.generic):
        return c.item()
    return c


def load(path):
    """Reads a model file (from `mlp train`, or save()) as a fitted MLPClassifier or
    MLPRegressor. The hyper-parameters that the file records (architecture, seed) are set;
    training settings a file does not record keep their defaults."""
    core = _core.Core.load(os.fspath(path))
    return _from_core(core)


def from_bytes(data):
    """The estimator of a model file's bytes (see to_bytes())."""
    return _from_core(_core.Core.from_bytes(bytes(data), "<bytes>"))


def _from_core(core):
    d = core.describe()
    spec = d["spec"]
    layers = spec["layers"]
    hidden = tuple(int(l["units"]) for l in layers[:-1])
    acts = [l["activation"] for l in layers[:-1]]
    keep = [l["keep_prob"] for l in layers[:-1]]
    params = dict(hidden=hidden, seed=int(spec["seed"]), init=spec["init"])
    if acts:
        params["activation"] = acts[0] if len(set(acts)) == 1 else acts
        params["keep_prob"] = keep[0] if len(set(keep)) == 1 else keep
    if d["task"] == "classification":
        est = MLPClassifier(**params)
        labels = d["class_names"]
        stored = d["info"].get(_CLASSES_KEY)
        if stored is not None:
            try:
                labels = json.loads(stored)
            except ValueError:
                warnings.warn(f"model file: {_CLASSES_KEY} is not JSON; using the class names")
        est.classes_ = np.asarray(labels)
    else:
        est = MLPRegressor(**params)
        est._n_targets = int(d["outputs"])
        est._y_1d = est._n_targets == 1
    est.n_features_in_ = int(d["inputs"])
    names = d["feature_names"]
    if names and names != [f"x{j}" for j in range(len(names))]:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    est._core = core
    est._set_fitted_attributes()
    return est
