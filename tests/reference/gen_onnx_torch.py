"""Generates tests/onnx/fixtures/torch_mlp.onnx and torch_mlp.expected.json: an MLP built as a
PyTorch nn.Sequential (Linear, BatchNorm1d, LeakyReLU, GELU, Tanh, Softmax), exported with
torch.onnx.export (opset 17, dynamic batch), and its PyTorch outputs on 32 inputs. The deployment
test (tests/onnx/check_deployment.py) imports the file with `mlp import` and checks that mlp
predicts like PyTorch to 1e-5.

    /usr/bin/python3 tests/reference/gen_onnx_torch.py     (Debian's python3-torch)
"""
import json
import os

import torch
from torch import nn

torch.manual_seed(7)
net = nn.Sequential(
    nn.Linear(5, 16),
    nn.BatchNorm1d(16),
    nn.LeakyReLU(0.1),
    nn.Linear(16, 12),
    nn.GELU(),
    nn.Linear(12, 8),
    nn.Tanh(),
    nn.Linear(8, 4),
    nn.Softmax(dim=1),
)
# Give the batch norm non-trivial statistics, then freeze it (inference mode).
with torch.no_grad():
    net.train()
    for _ in range(20):
        net(torch.randn(64, 5) * 2.0 + 0.5)
net.eval()

out_dir = os.path.join(os.path.dirname(__file__), "..", "onnx", "fixtures")
os.makedirs(out_dir, exist_ok=True)
path = os.path.join(out_dir, "torch_mlp.onnx")
x = torch.randn(32, 5, dtype=torch.float32) * 1.5
torch.onnx.export(net, x[:1], path, input_names=["input"], output_names=["probs"],
                  dynamic_axes={"input": {0: "batch"}, "probs": {0: "batch"}},
                  opset_version=17, do_constant_folding=False)
with torch.no_grad():
    p = net(x)
ref = {
    "inputs": x.tolist(),
    "probabilities": p.tolist(),
    "labels": p.argmax(dim=1).tolist(),
    "generator": "tests/reference/gen_onnx_torch.py, torch " + torch.__version__,
}
with open(os.path.join(out_dir, "torch_mlp.expected.json"), "w") as f:
    json.dump(ref, f)
print("wrote", path)
