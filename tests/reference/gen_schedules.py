"""Reference learning rates of the cosine schedules and the linear warmup, from PyTorch.

Run with Debian's interpreter (it has torch), from the repository root:

    /usr/bin/python3 tests/reference/gen_schedules.py

Writes tests/fixtures/optim/schedules.json, read by tests/optim/test_reference.cpp. Each case
gives the library's schedule settings and the learning rate of epochs 0, 1, ... as PyTorch's
schedulers produce them, stepping once per epoch:

  cosine           CosineAnnealingLR(T_max=period, eta_min=min_lr), for e <= period (after
                   period epochs the library holds min_lr where PyTorch's closed form climbs
                   back up; the script checks the library's rule only where they agree)
  cosine_restarts  CosineAnnealingWarmRestarts(T_0=period, T_mult=t_mult, eta_min=min_lr)
  warmup           LinearLR(start_factor=warmup_start, end_factor=1, total_iters=warmup_epochs)
                   followed by the schedule in SequentialLR(milestones=[warmup_epochs])
"""
import json
import os

import torch
from torch.optim.lr_scheduler import (CosineAnnealingLR, CosineAnnealingWarmRestarts,
                                      ExponentialLR, LinearLR, SequentialLR, StepLR)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "optim", "schedules.json")


def rates(make, lr0, epochs):
    """Learning rate of epochs 0..epochs-1 of the scheduler built by make(optimizer)."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr0)
    sched = make(opt)
    out = []
    for _ in range(epochs):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def warm(make_after, warmup_epochs, warmup_start):
    def make(opt):
        first = LinearLR(opt, start_factor=warmup_start, end_factor=1.0,
                         total_iters=warmup_epochs)
        return SequentialLR(opt, [first, make_after(opt)], milestones=[warmup_epochs])
    return make


cases = []
for period, min_lr in [(10, 0.0), (7, 0.001), (1, 0.0)]:
    cases.append({"schedule": "cosine", "settings": {"period": period, "min_lr": min_lr},
                  "initial_lr": 0.1,
                  "lr": rates(lambda o: CosineAnnealingLR(o, T_max=period, eta_min=min_lr),
                              0.1, period + 1)})
for period, t_mult, min_lr in [(5, 1, 0.0), (3, 2, 0.002), (2, 3, 0.0)]:
    cases.append({"schedule": "cosine_restarts",
                  "settings": {"period": period, "t_mult": t_mult, "min_lr": min_lr},
                  "initial_lr": 0.05,
                  "lr": rates(lambda o: CosineAnnealingWarmRestarts(
                      o, T_0=period, T_mult=t_mult, eta_min=min_lr), 0.05, 40)})
for w, s in [(5, 0.1), (3, 0.5)]:
    cases.append({"schedule": "cosine",
                  "settings": {"period": 12, "min_lr": 0.0, "warmup_epochs": w,
                               "warmup_start": s},
                  "initial_lr": 0.2,
                  "lr": rates(warm(lambda o: CosineAnnealingLR(o, T_max=12), w, s), 0.2,
                              w + 13)})
cases.append({"schedule": "exponential",
              "settings": {"gamma": 0.9, "warmup_epochs": 4, "warmup_start": 0.25},
              "initial_lr": 0.1,
              "lr": rates(warm(lambda o: ExponentialLR(o, gamma=0.9), 4, 0.25), 0.1, 20)})
cases.append({"schedule": "step",
              "settings": {"gamma": 0.5, "step": 3, "warmup_epochs": 2, "warmup_start": 0.1},
              "initial_lr": 0.1,
              "lr": rates(warm(lambda o: StepLR(o, step_size=3, gamma=0.5), 2, 0.1), 0.1, 15)})

with open(OUT, "w") as f:
    json.dump({"generator": "tests/reference/gen_schedules.py", "torch": torch.__version__,
               "cases": cases}, f, indent=1)
    f.write("\n")
