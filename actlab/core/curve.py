"""Sample an activation's curve and derivative (data only; `actlab.report` draws it)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from actlab.core.registry import create, get


def curve(name: Any, lo: float | None = None, hi: float | None = None, n: int = 401, **params: Any):
    """Return ``(x, f(x), f'(x))`` as float64 numpy arrays; gated units are shown as their gate g(b) with a=1."""
    spec = get(name)
    a, b = spec.plot_range
    x = torch.linspace(a if lo is None else lo, b if hi is None else hi, n, dtype=torch.float64)
    mod = create(spec, **params).double().eval()
    xin = x.clone().requires_grad_(True)
    if spec.kind == "gated":
        inp = torch.stack([torch.ones_like(xin), xin], dim=-1)
        y = mod(inp).squeeze(-1)
    elif spec.kind == "rowwise":
        y = mod(xin.unsqueeze(-1)).squeeze(-1)
    else:
        y = mod(xin)
    (dy,) = torch.autograd.grad(y.sum(), xin, allow_unused=True)
    dy = torch.zeros_like(x) if dy is None else dy
    return x.numpy(), y.detach().numpy(), dy.detach().numpy().astype(np.float64)
