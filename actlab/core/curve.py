"""Sample an activation's curve and derivative (data only; `actlab.report` draws it)."""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import torch

from actlab.core.errors import ParameterError
from actlab.core.module import module_class
from actlab.core.registry import create, get


def has_curve(spec) -> bool:
    """False for normalisation layers (EvoNorm), whose output depends on the batch."""
    return not (spec.kind == "layer" and "num_features" in inspect.signature(module_class(spec)).parameters)


def curve(name: Any, lo: float | None = None, hi: float | None = None, n: int = 401, **params: Any):
    """Return ``(x, f(x), f'(x))`` as float64 numpy arrays; gated units are shown as their gate g(b) with a=1."""
    spec = get(name)
    a, b = spec.plot_range
    x = torch.linspace(a if lo is None else lo, b if hi is None else hi, n, dtype=torch.float64)
    if not has_curve(spec):
        raise ParameterError(f"{spec.name} is a normalisation layer: its output depends on the batch, so it has "
                             "no single curve to draw")
    mod = create(spec, **params).double().eval()
    xin = x.clone().requires_grad_(True)
    if spec.kind == "layer":
        # grouped layers (GR-KAN) need the channel count divisible by their groups: feed x to every channel
        # and show channel 0
        width = getattr(mod, "groups", None) or getattr(mod, "num_parameters", None) or 1
        y = mod(xin.unsqueeze(-1).expand(-1, int(width)))[:, 0]
    elif spec.kind == "gated":
        inp = torch.stack([torch.ones_like(xin), xin], dim=-1)
        y = mod(inp).squeeze(-1)
    elif spec.kind == "rowwise":
        y = mod(xin.unsqueeze(-1)).squeeze(-1)
    else:
        y = mod(xin)
    (dy,) = torch.autograd.grad(y.sum(), xin, allow_unused=True)
    dy = torch.zeros_like(x) if dy is None else dy
    return x.numpy(), y.detach().numpy(), dy.detach().numpy().astype(np.float64)
