"""mlp: multi-layer perceptrons on a C++ engine, with scikit-learn estimators.

    import mlp
    clf = mlp.MLPClassifier(hidden=(64,), epochs=30).fit(X_train, y_train)
    clf.score(X_test, y_test)
    clf.save("model.mlp")            # the same file `mlp predict model.mlp data.csv` reads
    clf = mlp.load("model.mlp")      # also a model written by `mlp train`

Lower level, for teaching: Network (a double-precision network), Graph (reverse-mode autodiff),
gradient_check, diagnose. See docs/python.md.
"""
from __future__ import annotations

import json

import numpy as np

from . import _core
from ._core import ConfigError, DataError, Error, InputError, IoError, NumericError, ShapeError
from ._estimators import MLPClassifier, MLPRegressor, from_bytes, load

__version__ = _core.__version__
__all__ = [
    "MLPClassifier", "MLPRegressor", "load", "from_bytes", "Network", "Graph", "Var",
    "gradient_check", "diagnose", "set_threads", "threads",
    "Error", "ConfigError", "DataError", "ShapeError", "InputError", "IoError", "NumericError",
]

set_threads = _core.set_threads
threads = _core.threads


class Network:
    """A dense network in double precision, for experiments:

        net = mlp.Network(4, [(8, "relu"), (3, "softmax")], loss="cross_entropy", seed=1)
        A = net.forward(X)          # X: (m, 4) -> A: (m, 3)
        J = net.loss(Y)             # Y: (m, 3) one-hot; also fills the gradients
        net.dW(0), net.db(0)        # dJ/dW and dJ/db of the first layer

    ``layers`` lists (units, activation) or (units, activation, keep_prob), the last being the
    output layer.
    """

    def __init__(self, inputs, layers, loss="mse", init="he_normal", init_scale=0.01,
                 leaky_slope=0.01, seed=42):
        spec = {
            "inputs": int(inputs),
            "layers": [
                {"units": int(l[0]), "activation": str(l[1]),
                 "keep_prob": float(l[2]) if len(l) > 2 else 1.0}
                for l in layers
            ],
            "loss": loss, "leaky_slope": float(leaky_slope), "init": init,
            "init_scale": float(init_scale), "seed": int(seed),
        }
        self._net = _core.Network(json.dumps(spec))

    @property
    def spec(self):
        """The description the model file stores (docs/model-format.md)."""
        return json.loads(self._net.spec_json)

    def __len__(self):
        return self._net.layer_count

    def forward(self, X, training=False, seed=0):
        """A[L] for X (m, n_in): (m, n_out). With training, dropout masks from ``seed``."""
        return self._net.forward(np.asarray(X, dtype=np.float64), training, seed)

    def loss(self, Y, gradient=True):
        """The cost J of the last forward pass against Y (m, n_out); with gradient, also the
        backward pass (dW/db)."""
        return self._net.loss(np.asarray(Y, dtype=np.float64), gradient)

    def W(self, k):
        return self._net.get_W(k)

    def b(self, k):
        return self._net.get_b(k)

    def dW(self, k):
        return self._net.get_dW(k)

    def db(self, k):
        return self._net.get_db(k)

    def set_weights(self, k, W=None, b=None):
        if W is not None:
            self._net.set_W(k, np.asarray(W, dtype=np.float64))
        if b is not None:
            self._net.set_b(k, np.asarray(b, dtype=np.float64))

    def zero_grad(self):
        self._net.zero_grad()

    def node(self, graph, x):
        """The network as one node of ``graph`` with input ``x`` (features x examples, as the
        graph's matrices are); its backward accumulates into this network's gradients."""
        return Var(graph, self._net.node(graph._g, x._v))


class Var:
    """A node of a Graph; supports +, -, * (elementwise), @ (matrix product) and scalar *."""

    def __init__(self, graph, v):
        self.graph = graph
        self._v = v

    @property
    def value(self):
        return self.graph.value(self)

    @property
    def grad(self):
        return self.graph.grad(self)

    def _other(self, o):
        return o if isinstance(o, Var) else self.graph.constant(np.full((1, 1), float(o)))

    def __add__(self, o):
        return self.graph.add(self, self._other(o))

    def __sub__(self, o):
        return self.graph.sub(self, self._other(o))

    def __mul__(self, o):
        if isinstance(o, Var):
            return self.graph.mul(self, o)
        return self.graph.scale(self, float(o))

    __rmul__ = __mul__

    def __matmul__(self, o):
        return self.graph.matmul(self, o)

    def __repr__(self):
        return f"Var(id={self._v.id}, value={self.value.tolist()})"


class Graph:
    """A computational graph with reverse-mode automatic differentiation (double precision).
    The seed's example, f = (x + y)·z at (−2, 5, −4):

        g = mlp.Graph()
        x, y, z = g.scalar(-2), g.scalar(5), g.scalar(-4)
        f = (x + y) * z            # f.value == [[-12]]
        g.backward(f)              # x.grad == y.grad == [[-4]], z.grad == [[3]]

    Values are 2-D arrays; building an expression evaluates it at once; forward() re-evaluates
    after set_value(); backward(out) needs a 1x1 out and accumulates into the leaves' gradients.
    """

    def __init__(self):
        self._g = _core.Graph()

    def _wrap(self, v):
        return Var(self, v)

    def variable(self, value, name=""):
        return self._wrap(self._g.variable(np.atleast_2d(np.asarray(value, dtype=np.float64)), name))

    def scalar(self, value, name=""):
        return self._wrap(self._g.scalar(float(value), name))

    def constant(self, value, name=""):
        return self._wrap(self._g.constant(np.atleast_2d(np.asarray(value, dtype=np.float64)), name))

    def add(self, a, b):
        return self._wrap(self._g.add(a._v, b._v))

    def sub(self, a, b):
        return self._wrap(self._g.sub(a._v, b._v))

    def mul(self, a, b):
        return self._wrap(self._g.mul(a._v, b._v))

    def matmul(self, a, b):
        return self._wrap(self._g.matmul(a._v, b._v))

    def scale(self, a, s):
        return self._wrap(self._g.scale(a._v, float(s)))

    def sum(self, a):
        return self._wrap(self._g.sum(a._v))

    def mean(self, a):
        return self._wrap(self._g.mean(a._v))

    def sum_cols(self, a):
        return self._wrap(self._g.sum_cols(a._v))

    def exp(self, a):
        return self._wrap(self._g.exp(a._v))

    def log(self, a):
        return self._wrap(self._g.log(a._v))

    def square(self, a):
        return self._wrap(self._g.square(a._v))

    def abs(self, a):
        return self._wrap(self._g.abs(a._v))

    def activation(self, a, name, leaky_slope=0.01):
        return self._wrap(self._g.activation(a._v, name, leaky_slope))

    def loss(self, name, a, y):
        return self._wrap(self._g.loss(name, a._v, y._v))

    def forward(self):
        self._g.forward()

    def backward(self, out):
        self._g.backward(out._v)

    def zero_grad(self):
        self._g.zero_grad()

    def value(self, v):
        return self._g.value(v._v)

    def grad(self, v):
        return self._g.grad(v._v)

    def set_value(self, v, value):
        self._g.set_value(v._v, np.atleast_2d(np.asarray(value, dtype=np.float64)))

    def __len__(self):
        return len(self._g)


def gradient_check(network, X, y, l1=0.0, l2=0.0, epsilon=1e-7, threshold=1e-6):
    """Backprop against central differences (SPEC §2) for a fresh network of ``network``'s
    description (its seed's initial weights), on X (m, n_in) and y: class indices for a softmax
    or sigmoid output, else targets (m, n_out). Returns {"relative_error", "passed", "slices":
    {"layers.0.W": {...}, ...}, ...}; around 1e-7 is right, 1e-3 means a bug."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    out = network.spec["layers"][-1]
    if out["activation"] in ("softmax", "sigmoid"):
        labels = y.astype(np.int32).ravel().tolist()
        n_classes = max(2, out["units"])
        return network._net.gradient_check(X, labels, None, n_classes, l1, l2, epsilon, threshold)
    Y = y.reshape(len(y), -1).astype(np.float64)
    return network._net.gradient_check(X, None, Y, 0, l1, l2, epsilon, threshold)


def diagnose(history, baseline_error=None, use_best_epoch=False):
    """Bias/variance diagnosis (docs/diagnosis.md) of a fitted estimator or of its history_.
    Returns the dict `mlp diagnose --json` prints: verdict, train_error, dev_error,
    recommendations, gradients, learning_curve."""
    if isinstance(history, (MLPClassifier, MLPRegressor)):
        history._require_fitted()
        if not use_best_epoch:
            return history._core.diagnose(baseline_error)
        history = history.history_
    names = []
    if history and history[0].get("grad_norms"):
        n = len(history[0]["grad_norms"])
        names = [f"layers.{k // 2}.{'W' if k % 2 == 0 else 'b'}" for k in range(n)]
    return _core.diagnose_history(list(history), names, baseline_error, use_best_epoch)
