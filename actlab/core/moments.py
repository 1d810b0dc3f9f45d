"""Moments over an index set, named once: the mean and the ε-guarded standard deviation that normalisation layers
divide by (EvoNorm's s_inst and s_group, arXiv 2004.02967 §3; the graph search space's ``mean_*``/``std_*`` ops).

The variance is the biased (population) one, as BatchNorm and GroupNorm use in training; ε sits inside the root,
so the result is ≥ √ε and a constant input never divides by zero. Both keep the reduced dims (size 1), so the
result broadcasts against ``x``; ``expand=True`` gives it ``x``'s shape.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch

EPS = 1e-5  # BatchNorm's default ε


def mean(x: torch.Tensor, dims: Sequence[int], expand: bool = False) -> torch.Tensor:
    """mean(x) over ``dims`` (kept); with no dims each element is its own set: x itself."""
    if not dims:
        return x
    m = x.mean(dim=tuple(dims), keepdim=True)
    return m.expand_as(x) if expand else m


def std(x: torch.Tensor, dims: Sequence[int], eps: float = EPS, expand: bool = False) -> torch.Tensor:
    """√(Var(x) + ε) over ``dims`` (biased variance, dims kept); with no dims the variance is 0: √ε everywhere."""
    if not dims:
        return torch.sqrt(torch.zeros_like(x) + eps)
    s = torch.sqrt(x.var(dim=tuple(dims), keepdim=True, unbiased=False) + eps)
    return s.expand_as(x) if expand else s
