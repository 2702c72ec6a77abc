#!/usr/bin/python3
"""Reference trajectories of the optimizers, clipping, penalties and reduce-on-plateau.

Run with Debian's interpreter (it has torch 1.13 and numpy), from the repository root:

    /usr/bin/python3 tests/reference/gen_optim.py

Writes tests/fixtures/optim/trajectories.json and tests/fixtures/optim/plateau.json, read by
tests/optim/test_reference.cpp. Everything is float64.

The problem is linear least squares with one weight matrix W (2x3, penalized) and one bias
b (2x1, not penalized), examples as columns as in the library:
    J(W, b) = (1/2m) ||W X + b 1^T - Y||_F^2,   m = 8
Gradients come from torch autograd. theta is flattened as the library does: W column-major,
then b.

Optimizer settings are written under the library's setting keys (beta, beta1, beta2, epsilon,
nesterov, weight_decay). Every case runs 50 steps with torch.optim, except the seed-form momentum, which torch does not
have: it is computed with NumPy from the SPEC formula, and the script checks that it equals
torch SGD with lr*(1-beta) (the two forms differ only by that scale of V).
"""
import json
import os

# The same bits on every machine: OpenBLAS otherwise picks its kernels by CPU, and the kernels
# round the 3-term dot products of W_true @ X differently (last bit of Y). Set before numpy loads.
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_default_dtype(torch.float64)
STEPS = 50
M = 8
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "optim")

rng = np.random.default_rng(20240611)
X = rng.normal(size=(3, M))
W_true = np.array([[1.5, -2.0, 0.5], [0.3, 0.8, -1.2]])
b_true = np.array([[0.7], [-0.4]])
Y = W_true @ X + b_true + 0.1 * rng.normal(size=(2, M))
W0 = rng.normal(size=(2, 3))
b0 = rng.normal(size=(2, 1))


def flat(W, b):
    """The library's theta: W column-major, then b."""
    return list(np.asarray(W).T.reshape(-1)) + list(np.asarray(b).reshape(-1))


def cost(W, b, l2=0.0, l1=0.0):
    R = W @ torch.tensor(X) + b - torch.tensor(Y)
    J = (R * R).sum() / (2 * M)
    if l2:
        J = J + l2 / (2 * M) * (W * W).sum()
    if l1:
        J = J + l1 / M * W.abs().sum()
    return J


def torch_run(make_opt, weight_decay_groups=None, clip=None, l2=0.0, l1=0.0):
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    if weight_decay_groups is None:
        opt = make_opt([W, b])
    else:  # decay the weights only, as the library does
        opt = make_opt([{"params": [W], "weight_decay": weight_decay_groups},
                        {"params": [b], "weight_decay": 0.0}])
    thetas = [flat(W.detach(), b.detach())]
    norms = []
    for _ in range(STEPS):
        opt.zero_grad()
        cost(W, b, l2, l1).backward()
        if clip is not None:
            norms.append(float(torch.nn.utils.clip_grad_norm_([W, b], clip)))
        opt.step()
        thetas.append(flat(W.detach(), b.detach()))
    return thetas, norms


def numpy_seed_momentum(lr, beta):
    """SPEC §4: V := beta V + (1 - beta) dtheta; theta := theta - lr V."""
    W = W0.copy()
    b = b0.copy()
    VW = np.zeros_like(W)
    Vb = np.zeros_like(b)
    thetas = [flat(W, b)]
    for _ in range(STEPS):
        R = W @ X + b - Y
        dW = R @ X.T / M
        db = R.sum(axis=1, keepdims=True) / M
        VW = beta * VW + (1 - beta) * dW
        Vb = beta * Vb + (1 - beta) * db
        W = W - lr * VW
        b = b - lr * Vb
        thetas.append(flat(W, b))
    return thetas


cases = []


def add(name, options, lr, thetas, clip=None, norms=None, l2=0.0, l1=0.0):
    case = {"name": name, "optimizer": options, "lr": lr, "steps": STEPS, "l2": l2, "l1": l1,
            "theta": thetas}
    if clip is not None:
        case["clip"] = clip
        case["grad_norms"] = norms
    cases.append(case)


SGD = torch.optim.SGD
add("gd", {"name": "gd"}, 0.1, torch_run(lambda p: SGD(p, lr=0.1))[0])

seed = numpy_seed_momentum(0.1, 0.9)
check, _ = torch_run(lambda p: SGD(p, lr=0.1 * (1 - 0.9), momentum=0.9))
assert np.max(np.abs(np.array(seed) - np.array(check))) < 1e-12, "seed momentum != scaled torch SGD"
add("momentum", {"name": "momentum", "beta": 0.9}, 0.1, seed)

add("momentum_pytorch", {"name": "momentum_pytorch", "beta": 0.9}, 0.05,
    torch_run(lambda p: SGD(p, lr=0.05, momentum=0.9))[0])
add("momentum_pytorch_nesterov", {"name": "momentum_pytorch", "beta": 0.8, "nesterov": True},
    0.05, torch_run(lambda p: SGD(p, lr=0.05, momentum=0.8, nesterov=True))[0])
add("rmsprop", {"name": "rmsprop", "beta": 0.9, "epsilon": 1e-8}, 0.01,
    torch_run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8))[0])
add("adam", {"name": "adam"}, 0.05,
    torch_run(lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8))[0])
add("adam_betas", {"name": "adam", "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}, 0.02,
    torch_run(lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6))[0])
add("adamw", {"name": "adamw", "weight_decay": 0.5}, 0.05,
    torch_run(lambda p: torch.optim.AdamW(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
              weight_decay_groups=0.5)[0])

# Adagrad: torch.optim.Adagrad with lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0;
# its eps default (1e-10) is the library's.
add("adagrad", {"name": "adagrad"}, 0.5,
    torch_run(lambda p: torch.optim.Adagrad(p, lr=0.5))[0])
add("adagrad_epsilon", {"name": "adagrad", "epsilon": 0.1}, 0.3,
    torch_run(lambda p: torch.optim.Adagrad(p, lr=0.3, eps=0.1))[0])

thetas, norms = torch_run(lambda p: SGD(p, lr=0.1), clip=0.5)
assert min(norms[:3]) > 0.5, "clipping case must actually clip"
add("gd_clip", {"name": "gd"}, 0.1, thetas, clip=0.5, norms=norms)

thetas, norms = torch_run(lambda p: torch.optim.Adam(p, lr=0.05), clip=1.0)
add("adam_clip", {"name": "adam"}, 0.05, thetas, clip=1.0, norms=norms)

add("gd_l2", {"name": "gd"}, 0.1, torch_run(lambda p: SGD(p, lr=0.1), l2=2.0)[0], l2=2.0)
add("gd_l1", {"name": "gd"}, 0.1, torch_run(lambda p: SGD(p, lr=0.1), l1=0.5)[0], l1=0.5)

problem = {"m": M, "X": X.tolist(), "Y": Y.tolist(), "W0": W0.tolist(), "b0": b0.tolist()}
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "trajectories.json"), "w") as f:
    json.dump({"generator": "tests/reference/gen_optim.py", "torch": torch.__version__,
               "problem": problem, "cases": cases}, f, indent=1)
    f.write("\n")

# ---- ReduceLROnPlateau on a fixed sequence of dev costs --------------------------------
costs = [1.0, 0.9, 0.85, 0.86, 0.85, 0.8499, 0.87, 0.84, 0.84, 0.84, 0.84, 0.84, 0.5, 0.6,
         float("nan"), 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
plateau_cases = []
# The last case starts so low that PyTorch's rule "skip a change smaller than 1e-8" stops it.
for lr0, factor, patience, threshold, cooldown, min_lr in [(0.1, 0.5, 2, 1e-4, 0, 0.0),
                                                           (0.1, 0.1, 1, 1e-2, 2, 0.0015),
                                                           (1e-6, 0.5, 0, 0.0, 0, 0.0)]:
    p = torch.zeros(1, requires_grad=True)
    opt = SGD([p], lr=lr0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=factor, patience=patience, threshold=threshold,
        threshold_mode="rel", cooldown=cooldown, min_lr=min_lr)
    lrs = []
    for c in costs:
        sched.step(c)
        lrs.append(opt.param_groups[0]["lr"])
    plateau_cases.append({"factor": factor, "patience": patience, "threshold": threshold,
                          "cooldown": cooldown, "min_lr": min_lr, "initial_lr": lr0,
                          "lr_after_epoch": lrs})
with open(os.path.join(OUT, "plateau.json"), "w") as f:
    json.dump({"generator": "tests/reference/gen_optim.py", "torch": torch.__version__,
               "dev_costs": [c if c == c else None for c in costs], "cases": plateau_cases},
              f, indent=1)
    f.write("\n")
print(f"wrote {len(cases)} trajectories and {len(plateau_cases)} plateau sequences to {OUT}")
