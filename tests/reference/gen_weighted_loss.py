"""Reference weighted costs and gradients from PyTorch (double precision).

Run with Debian's interpreter (it has torch and numpy), from the repository root:

    /usr/bin/python3 tests/reference/gen_weighted_loss.py

Writes tests/fixtures/nn/weighted_loss.json, read by tests/nn/test_weighted_loss.cpp: for each
loss, committed outputs `out` [n x m] (logits for the cross-entropies), targets Y [n x m],
example weights w [m], and

    J     = (1/m) Σ_j w_j·L_j      (mlp's convention, docs/math.md "Weighted cost")
    dJ    = dJ/d(out) [n x m]      (autograd)
    J_torch_mean = Σ_j w_j·L_j / Σ_j w_j   (PyTorch's reduction="mean" with class weights)

cross_entropy: class weights c, w_j = c[y_j]: J = F.cross_entropy(Zᵀ, y, weight=c,
reduction="sum") / m and J_torch_mean = F.cross_entropy(..., reduction="mean").
binary_cross_entropy: L_j = Σ_k BCE-with-logits; mse: L_j = mean_k (a_kj − y_kj)².
"""
import json
import os

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "nn", "weighted_loss.json")
torch.manual_seed(20261201)


def rows(t):
    return t.detach().tolist()


def main():
    cases = []
    m = 6
    # cross_entropy: 3 classes, class weights.
    Z = (torch.randn(3, m, dtype=torch.float64) * 2).requires_grad_()
    y = torch.tensor([0, 2, 1, 2, 2, 0])
    c = torch.tensor([0.5, 3.0, 1.25], dtype=torch.float64)
    J = F.cross_entropy(Z.T, y, weight=c, reduction="sum") / m
    J.backward()
    Y = F.one_hot(y, 3).T.to(torch.float64)
    cases.append({"loss": "cross_entropy", "out": rows(Z), "Y": rows(Y), "w": rows(c[y]),
                  "J": J.item(), "dJ": rows(Z.grad),
                  "J_torch_mean": F.cross_entropy(Z.T, y, weight=c, reduction="mean").item()})
    # binary_cross_entropy: 2 sigmoid outputs, per-example weights (one 0).
    Z = (torch.randn(2, m, dtype=torch.float64) * 2).requires_grad_()
    Y = torch.randint(0, 2, (2, m)).to(torch.float64)
    w = torch.tensor([1.0, 0.0, 2.5, 0.25, 1.0, 4.0], dtype=torch.float64)
    L = F.binary_cross_entropy_with_logits(Z, Y, reduction="none").sum(dim=0)
    J = (w * L).sum() / m
    J.backward()
    cases.append({"loss": "binary_cross_entropy", "out": rows(Z), "Y": rows(Y), "w": rows(w),
                  "J": J.item(), "dJ": rows(Z.grad),
                  "J_torch_mean": ((w * L).sum() / w.sum()).item()})
    # mse: 2 outputs, per-example weights.
    A = torch.randn(2, m, dtype=torch.float64).requires_grad_()
    Y = torch.randn(2, m, dtype=torch.float64)
    w = torch.tensor([0.5, 1.5, 1.0, 3.0, 0.0, 2.0], dtype=torch.float64)
    L = ((A - Y) ** 2).mean(dim=0)
    J = (w * L).sum() / m
    J.backward()
    cases.append({"loss": "mse", "out": rows(A), "Y": rows(Y), "w": rows(w), "J": J.item(),
                  "dJ": rows(A.grad), "J_torch_mean": ((w * L).sum() / w.sum()).item()})
    with open(OUT, "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
