#!/usr/bin/python3
"""Reference values for tests/nn: forward outputs, cost and gradients of small random MLPs
for every hidden activation x loss, computed by PyTorch in float64.

Run with Debian's interpreter:  /usr/bin/python3 tests/reference/gen_network.py
Writes tests/fixtures/nn/torch_reference.json (committed, so the tests need no Python).

Conventions (docs/conventions.md): matrices are written in mlp's layout, one example per column
(X is [n_in x m], W is [n_out x n_in], b is [n_out]), as nested row-major lists.
Costs: mse = mean over all n_out*m elements; binary_cross_entropy = sum over outputs of
BCE-with-logits, mean over examples; cross_entropy = -(Y * log_softmax(Z)).sum() / m.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
torch.set_default_dtype(torch.float64)

HIDDEN = ["identity", "relu", "leaky_relu", "sigmoid", "tanh"]
LOSSES = [("mse", "identity"), ("mse", "tanh"), ("binary_cross_entropy", "sigmoid"),
          ("cross_entropy", "softmax")]
SLOPE = 0.1


def act(name, z):
    return {
        "identity": lambda t: t,
        "relu": torch.relu,
        "leaky_relu": lambda t: F.leaky_relu(t, SLOPE),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda t: torch.softmax(t, dim=1),
    }[name](z)


def tolist(t):
    return t.detach().tolist()


cases = []
for hidden in HIDDEN:
    for loss, out_act in LOSSES:
        n_in = int(torch.randint(2, 6, ()).item())
        widths = [int(torch.randint(2, 7, ()).item()) for _ in range(2)]
        n_out = 3 if loss != "binary_cross_entropy" else 2
        m = int(torch.randint(1, 8, ()).item())
        sizes = [n_in] + widths + [n_out]
        Ws, bs = [], []
        for k in range(len(sizes) - 1):
            Ws.append((torch.randn(sizes[k + 1], sizes[k]) * 0.8).requires_grad_())
            bs.append((torch.randn(sizes[k + 1]) * 0.3).requires_grad_())
        X = torch.randn(m, n_in)  # torch layout: examples as rows
        if loss == "mse":
            Y = torch.randn(m, n_out) * 0.5
        elif loss == "binary_cross_entropy":
            Y = (torch.rand(m, n_out) < 0.5).double()
        else:
            Y = F.one_hot(torch.randint(0, n_out, (m,)), n_out).double()
        Xg = X.clone().requires_grad_()
        a = Xg
        for k in range(len(Ws)):
            z = a @ Ws[k].T + bs[k]
            last = k == len(Ws) - 1
            a = act(out_act if last else hidden, z)
        if loss == "mse":
            J = F.mse_loss(a, Y, reduction="mean")
        elif loss == "binary_cross_entropy":
            J = F.binary_cross_entropy_with_logits(z, Y, reduction="sum") / m
        else:
            J = -(Y * torch.log_softmax(z, dim=1)).sum() / m
        J.backward()
        cases.append({
            "hidden_activation": hidden, "output_activation": out_act, "loss": loss,
            "leaky_slope": SLOPE, "sizes": sizes,
            "W": [tolist(w) for w in Ws], "b": [tolist(b) for b in bs],
            "X": tolist(X.T), "Y": tolist(Y.T), "A_out": tolist(a.T), "J": J.item(),
            "dW": [tolist(w.grad) for w in Ws], "db": [tolist(b.grad) for b in bs],
            "dX": tolist(Xg.grad.T),
        })

out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "nn", "torch_reference.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/reference/gen_network.py", "torch": torch.__version__,
               "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases to {os.path.normpath(out)}")
