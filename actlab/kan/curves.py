"""Data for plots of a trained KAN: every edge's learned curve on its input range (no drawing here)."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from actlab.kan.layer import KAN


@dataclass
class LayerCurves:
    """u (n, in): evaluation points per input; values (n, out, in); mask (out, in); score (out, in) in [0, 1]
    (attribution when samples were given, else 1); symbolic {(j, i): name}."""

    u: Tensor
    values: Tensor
    mask: Tensor
    score: Tensor
    symbolic: dict[tuple[int, int], str]


def edge_curves(model: KAN, x: Tensor | None = None, n: int = 200) -> list[LayerCurves]:
    """Each layer's edge functions on a grid: over the range its inputs take on ``x`` if given, else over
    the basis' own range (the grid of a B-spline, [-π, π] for Fourier, ...)."""
    scores = None
    ranges = []
    if x is not None:
        from actlab.kan.prune import attribute

        att = attribute(model, x)
        scores = att.edge_scores
        for layer in model.layers:
            u = layer.last.u.detach()
            ranges.append((u.min(0).values, u.max(0).values))
    out = []
    dtype = model.layers[0].coef.dtype
    for l, layer in enumerate(model.layers):
        lo, hi = ranges[l] if ranges else layer.basis.input_range()
        t = torch.linspace(0, 1, n, dtype=dtype).unsqueeze(1)
        u = lo.to(dtype) + t * (hi - lo).to(dtype)
        s = torch.ones(layer.out_features, layer.in_features) if scores is None else \
            torch.tanh(3 * scores[l].float()).clamp(0, 1)  # pykan's alpha = tanh(beta·score), beta = 3
        out.append(LayerCurves(u, layer.edge_values(u).float(), layer.mask.float().clone(), s,
                               {k: e.name for k, e in layer.symbolic.items()}))
    return out
