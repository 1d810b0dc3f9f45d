"""What a run costs, measured beside its metric: forward FLOPs per example (throughput is batch / step time).

FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` on one eval-mode forward pass: it counts the
matrix products, convolutions and attention (2 FLOPs per multiply-add) and *not* elementwise work (activations,
normalisation, rationals), which on these models is a small share. Counted on the CPU copy of the model before
training, so the number does not depend on the device.
"""
from __future__ import annotations

import torch
from torch import nn

N_FLOP_EXAMPLES = 4


@torch.no_grad()
def forward_flops(model: nn.Module, x: torch.Tensor, n: int = N_FLOP_EXAMPLES) -> float:
    """FLOPs of ``model``'s forward pass per example, counted on the first ``n`` rows of ``x``."""
    from torch.utils.flop_counter import FlopCounterMode

    xb = x[:max(1, min(n, len(x)))]
    was = model.training
    model.eval()
    try:
        with FlopCounterMode(display=False) as counter:
            model(xb)
    finally:
        model.train(was)
    return counter.get_total_flops() / len(xb)

