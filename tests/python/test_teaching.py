"""The lower-level API: Graph (the seed's f = (x + y)·z), Network, gradient_check, diagnose."""
import numpy as np
import pytest

import mlp


def test_graph_seed_example():
    g = mlp.Graph()
    x, y, z = g.scalar(-2), g.scalar(5), g.scalar(-4)
    f = (x + y) * z
    assert f.value.tolist() == [[-12.0]]
    g.backward(f)
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)
    # forward() re-evaluates after a leaf changes; gradients of leaves accumulate until zero_grad
    g.set_value(x, [[1.0]])
    g.forward()
    assert f.value.item() == -24.0
    g.zero_grad()
    g.backward(f)
    assert z.grad.item() == 6.0


def test_graph_matrix_ops_match_finite_differences():
    rng = np.random.default_rng(0)
    g = mlp.Graph()
    W = g.variable(rng.normal(size=(3, 4)))
    X = g.constant(rng.normal(size=(4, 5)))
    J = g.mean(g.square(g.activation(W @ X, "tanh")))
    g.backward(J)
    w0 = W.value.copy()
    eps = 1e-6
    num = np.zeros_like(w0)
    for i in np.ndindex(*w0.shape):
        for s in (+1, -1):
            w = w0.copy()
            w[i] += s * eps
            g.set_value(W, w)
            g.forward()
            num[i] += s * J.value.item() / (2 * eps)
    np.testing.assert_allclose(W.grad, num, rtol=1e-5, atol=1e-8)


def test_network_forward_loss_and_gradient_check():
    rng = np.random.default_rng(1)
    net = mlp.Network(4, [(6, "tanh"), (3, "softmax")], loss="cross_entropy", seed=7)
    assert len(net) == 2 and net.spec["layers"][1]["units"] == 3
    X = rng.normal(size=(10, 4))
    A = net.forward(X)
    assert A.shape == (10, 3)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    labels = rng.integers(0, 3, 10)
    Y = np.eye(3)[labels]
    J = net.loss(Y)
    assert J == pytest.approx(-np.mean(np.log(A[np.arange(10), labels])))
    assert net.dW(0).shape == (6, 4) and net.db(1).shape == (3,)
    r = mlp.gradient_check(net, X, labels)
    assert r["passed"] and r["relative_error"] < 1e-6
    assert set(r["slices"]) == {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"}
    reg = mlp.Network(2, [(5, "relu"), (1, "identity")], loss="mse", seed=2)
    r = mlp.gradient_check(reg, rng.normal(size=(8, 2)), rng.normal(size=8), l2=0.1)
    assert r["passed"]


def test_network_as_a_graph_node():
    rng = np.random.default_rng(2)
    net = mlp.Network(3, [(4, "relu"), (2, "identity")], loss="mse", seed=3)
    net.set_weights(1, b=[0.5, -0.5])
    assert net.b(1).tolist() == [0.5, -0.5]
    g = mlp.Graph()
    X = rng.normal(size=(5, 3))
    a = net.node(g, g.constant(X.T))           # graph matrices are features x examples
    np.testing.assert_allclose(a.value.T, net.forward(X))
    J = g.sum(g.abs(a))
    net.zero_grad()
    g.backward(J)
    assert np.abs(net.dW(0)).sum() > 0


def test_diagnose_a_fitted_estimator_and_a_history():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    clf = mlp.MLPClassifier(hidden=(8,), epochs=15, early_stopping=True, patience=50,
                            validation_fraction=0.3, threads=1).fit(X, y)
    d = mlp.diagnose(clf, baseline_error=0.0)
    assert d["verdict"] in {"good_fit", "high_bias", "high_variance", "high_bias_and_variance"}
    assert d["dev_error"] is not None and d["recommendations"]
    assert {gr["name"] for gr in d["gradients"]} >= {"layers.0.W"}
    d2 = mlp.diagnose(clf.history_)
    assert d2["train_error"] == pytest.approx(d["train_error"])
    assert mlp.diagnose(clf, use_best_epoch=True)["verdict"]
    with pytest.raises(ValueError):
        mlp.diagnose([])
