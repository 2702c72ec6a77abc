#!/usr/bin/python3
"""Reference values for the gelu activation (tests/nn/test_activations.cpp): GELU(x) and its
derivative GELU'(x), computed by PyTorch in float64 with the exact (erf) form,
torch.nn.functional.gelu(x, approximate="none") = x * Phi(x), and autograd.

Run with Debian's interpreter:  /usr/bin/python3 tests/reference/gen_gelu.py
Writes tests/fixtures/nn/gelu_reference.json (committed, so the tests need no Python).

The grid covers the curved middle densely, the kink-free origin (0 and tiny values), and large
inputs of both signs, where GELU(x) -> x and GELU(x) -> 0 and the derivative saturates. No
randomness: regenerating gives the same file.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

grid = [i / 8 for i in range(-48, 49)]  # -6 .. 6 in steps of 1/8
grid += [-1e4, -1e3, -100.0, -40.0, -20.0, -12.0, -10.0, -8.0, -7.0,
         7.0, 8.0, 10.0, 12.0, 20.0, 40.0, 100.0, 1e3, 1e4,
         -1e-8, 1e-8, -1e-3, 1e-3, -0.3, 0.3, 0.7071067811865476, -1.7320508075688772]

x = torch.tensor(grid, requires_grad=True)
y = F.gelu(x, approximate="none")
(dy,) = torch.autograd.grad(y.sum(), x)

out = os.path.join(os.path.dirname(__file__), "..", "fixtures", "nn", "gelu_reference.json")
with open(out, "w") as f:
    json.dump({"generator": "tests/reference/gen_gelu.py", "torch": torch.__version__,
               "function": "torch.nn.functional.gelu(x, approximate='none'), float64",
               "x": x.detach().tolist(), "gelu": y.detach().tolist(),
               "derivative": dy.tolist()}, f, indent=1)
print(f"wrote {len(grid)} points to {os.path.normpath(out)}")
