"""Inputs (array-likes, dtypes, the float32 no-copy path), the GIL released while training,
KeyboardInterrupt between batches, and errors as Python exceptions with the library's message."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import mlp
from mlp import _estimators


def blobs(m=2000, n=20, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, m)
    X = rng.normal(size=(m, n)) + y[:, None]
    return X.astype(np.float32), y


def test_float32_c_contiguous_input_is_not_copied(monkeypatch):
    X, y = blobs(200, 5)
    clf = mlp.MLPClassifier(hidden=(4,), epochs=1, threads=1).fit(X, y)
    seen = []
    real = type(clf._core).predict

    class Spy:
        def __init__(self, core):
            self.core = core

        def predict(self, A):
            seen.append(A)
            return real(self.core, A)

    clf._core = Spy(clf._core)
    clf.predict_proba(X)
    assert seen[-1] is X or np.shares_memory(seen[-1], X)   # handed to the engine as is
    clf.predict_proba(X.astype(np.float64))
    assert seen[-1].dtype == np.float32 and not np.shares_memory(seen[-1], X)
    assert _estimators._as_float32(X) is X
    F = np.asfortranarray(X)
    assert _estimators._as_float32(F).flags.c_contiguous


def test_array_likes_and_dtypes_give_the_same_model():
    X, y = blobs(100, 3)
    ref = mlp.MLPClassifier(hidden=(4,), epochs=2, threads=1).fit(X, y).predict_proba(X)
    for Xv, yv in [(X.tolist(), y.tolist()), (X.astype(np.float64), y.astype(np.int8)),
                   (np.asfortranarray(X), y.astype(np.float64))]:
        P = mlp.MLPClassifier(hidden=(4,), epochs=2, threads=1).fit(Xv, yv).predict_proba(Xv)
        assert np.array_equal(P, ref)
    labels = np.array(["a", "b", "c"])[y]
    clf = mlp.MLPClassifier(hidden=(4,), epochs=2, threads=1).fit(X, labels)
    assert np.array_equal(clf.predict_proba(X), ref)
    assert set(clf.predict(X)) <= {"a", "b", "c"}
    boolean = mlp.MLPClassifier(hidden=(4,), epochs=2, threads=1).fit(X, y > 0)
    assert boolean.classes_.dtype == bool


def test_gil_is_released_while_training():
    X, y = blobs(20000, 50)
    counter = [0]
    done = threading.Event()

    def spin():
        while not done.is_set():
            counter[0] += 1
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    try:
        start = time.monotonic()
        # About a second of training: long enough to see the other thread run many times.
        mlp.MLPClassifier(hidden=(256, 256), epochs=10, batch_size=32, threads=1).fit(X, y)
        elapsed = time.monotonic() - start
    finally:
        done.set()
        t.join()
    # A thread that needs the GIL every millisecond ran during the fit (with the GIL held by
    # the engine it could not have run at all until fit returned).
    assert elapsed > 0.2, elapsed
    assert counter[0] >= 0.05 * elapsed / 0.001, (counter[0], elapsed)  # 5 % of the ticks


def test_keyboard_interrupt_stops_training_between_batches():
    X, y = blobs(20000, 50)
    clf = mlp.MLPClassifier(hidden=(64,), epochs=1000, batch_size=8, threads=1)
    # A real SIGINT, as Ctrl-C sends it, two seconds into training (late enough that the data
    # is prepared and the engine runs even on a loaded machine; training lasts far longer).
    timer = threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt, match="stopped by the user"):
        clf.fit(X, y)
    timer.cancel()
    assert time.monotonic() - start < 30
    # Stopped cleanly: the weights reached are usable, the history holds the complete epochs.
    assert clf.stop_reason_ == "interrupted"
    assert len(clf.history_) < 1000
    assert clf.predict(X[:5]).shape == (5,)
    # the next fit runs normally
    clf.set_params(epochs=1, batch_size=256).fit(X[:500], y[:500])
    assert clf.n_iter_ == 1


def test_errors_are_python_exceptions_with_the_library_message():
    X, y = blobs(50, 3)
    with pytest.raises(ValueError, match=r"train\.learning_rate must be > 0"):
        mlp.MLPClassifier(learning_rate=-0.1).fit(X, y)
    with pytest.raises(mlp.ConfigError, match="relu"):
        mlp.MLPClassifier(activation="rleu").fit(X, y)
    with pytest.raises(ValueError, match="optimizer"):
        mlp.MLPClassifier(optimizer="adamm").fit(X, y)
    with pytest.raises(ValueError, match="keep_prob"):
        mlp.MLPClassifier(keep_prob=1.5).fit(X, y)
    with pytest.raises(ValueError, match=r"model\.hidden\[0\] must be an integer"):
        mlp.MLPClassifier(hidden=("wide",)).fit(X, y)
    with pytest.raises(TypeError, match="cannot use"):
        mlp.MLPClassifier(hidden=(object(),)).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        mlp.MLPClassifier().fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="NaN|infinity"):
        mlp.MLPClassifier().fit(np.full((4, 2), np.nan), [0, 1, 0, 1])
    clf = mlp.MLPClassifier(hidden=(4,), epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        clf.predict(np.zeros((2, 5)))
    # Finite inputs far outside the training range overflow the network: no prediction, the
    # row named (as `mlp predict` does), not NaN probabilities and class 0.
    huge = X[:3].copy()
    huge[1] = 3e38
    for method in (clf.predict, clf.predict_proba):
        with pytest.raises(ValueError, match=r"X: row 2: the model's output is not finite"):
            method(huge)
        with pytest.raises(ValueError, match=r"row 1: the model's output is not finite"):
            method(huge[1:2].astype(np.float32))  # the one-row fast path too
    with pytest.raises(ValueError, match="row 1: the model's output is not finite"):
        mlp.MLPRegressor(hidden=(4,), epochs=1).fit(X, X[:, 0]).predict(np.full((1, 3), -3e38))
    with pytest.raises(FloatingPointError, match="non-finite|diverge|NaN|nan|inf"):
        mlp.MLPRegressor(learning_rate=1e6, optimizer="gd", epochs=50, normalize=False).fit(
            X * 1e3, X[:, 0] * 1e6)
    assert issubclass(mlp.InputError, FileNotFoundError) and issubclass(mlp.IoError, OSError)
    with pytest.raises(OSError):
        clf.save("/nonexistent-dir/m.mlp")


def test_threads_calling_one_estimator_take_turns():
    X, y = blobs(3000, 20)
    clf = mlp.MLPClassifier(hidden=(32,), epochs=2, threads=1).fit(X, y)
    ref = clf.predict_proba(X)
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                results.append(np.array_equal(clf.predict_proba(X), ref))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 80 and all(results)
    # a fit in one thread while another predicts: both complete, predictions stay well-formed
    other = threading.Thread(target=lambda: clf.set_params(epochs=1).fit(X, y))
    other.start()
    for _ in range(10):
        assert clf.predict_proba(X[:10]).shape == (10, 3)
    other.join()
