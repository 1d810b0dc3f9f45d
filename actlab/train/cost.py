"""What a run costs, measured beside its metric: forward FLOPs per example (throughput is batch / step time).

FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` on one eval-mode forward pass: it counts the
matrix products, convolutions and attention (2 FLOPs per multiply-add; the CPU attention kernel, which torch's
counter skips, gets the GPU kernels' formula) and *not* elementwise work (activations, normalisation, rationals,
the DARUAN circuits' trigonometry), which on these models is a small share. Counted on the CPU copy of the model before
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
        with FlopCounterMode(display=False, custom_mapping=_extra_formulas()) as counter:
            model(xb)
    finally:
        model.train(was)
    return counter.get_total_flops() / len(xb)



def _extra_formulas() -> dict:
    """Ops torch's counter has no formula for: the CPU kernel of scaled_dot_product_attention (counted like the
    GPU flash/efficient kernels, 4·B·H·T·S·D, so attention costs the same on every device)."""
    from torch.utils.flop_counter import sdpa_flop_count

    out = {}
    op = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
    if op is not None:
        out[op] = lambda q, k, v, *args, out_shape=None, **kw: sdpa_flop_count(q, k, v)
    return out
