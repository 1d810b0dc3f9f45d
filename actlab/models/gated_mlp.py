"""GatedMLP: the GLU-variant feed-forward block with any zoo activation as the gate.

Shazeer, "GLU variants improve transformer", 2020, arXiv:2002.05202 (bias-free FFN):
    GatedMLP(x) = (a ⊙ g(b))·W_out,   [a | b] = x·W_in,   W_in: d → 2·hidden, W_out: hidden → out.

Split order (the one used everywhere in actlab, see ``actlab.zoo.gated`` and ``torch.nn.GLU``): the
projection's **first half is the value a**, its **second half is the gate b**. Presets: ``glu`` (σ),
``reglu`` (relu), ``geglu`` (gelu), ``swiglu`` (silu), ``bilinear`` (identity) — these are the zoo's gated
specs and are applied to the whole projection; any other activation (a zoo name, class, module or factory)
is applied to the gate half only. Shape: (*, d) -> (*, out or d).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.models._act import act_factory, is_gated, set_gate_dim

__all__ = ["GatedMLP", "PRESETS"]

PRESETS = ("glu", "reglu", "geglu", "swiglu", "bilinear")


class GatedMLP(nn.Module):
    """``out = W_out(a ⊙ g(b))`` with ``a, b = W_in(x).chunk(2, -1)`` (value first, gate second).

    Example::
        >>> m = GatedMLP(16, 32, act="swiglu")
        >>> m(torch.randn(4, 16)).shape
        torch.Size([4, 16])
    """

    def __init__(self, d: int, hidden: int, act: Any = "swiglu", out: int | None = None, bias: bool = False,
                 dropout: float = 0.0, **act_params: Any):
        super().__init__()
        for name, v in (("d", d), ("hidden", hidden), ("out", d if out is None else out)):
            if not isinstance(v, int) or v < 1:
                raise ParameterError(f"GatedMLP: {name} must be a positive integer, got {v!r}")
        unit = act_factory(act, **act_params)()
        self.unit_gated = is_gated(unit)       # a GLU-family unit halves the projection itself
        self.act = set_gate_dim(unit, -1) if self.unit_gated else unit
        self.d, self.hidden, self.out_features = d, hidden, d if out is None else out
        self.proj_in = nn.Linear(d, 2 * hidden, bias=bias)
        self.drop = nn.Dropout(dropout)
        self.proj_out = nn.Linear(hidden, self.out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 0 or x.shape[-1] != self.d:
            raise ShapeError(f"GatedMLP expects inputs (*, {self.d}), got {tuple(x.shape)}")
        h = self.proj_in(x)
        if self.unit_gated:
            h = self.act(h)
        else:
            value, gate = h.chunk(2, dim=-1)
            h = value * self.act(gate)
        return self.proj_out(self.drop(h))

    def extra_repr(self) -> str:
        return f"d={self.d}, hidden={self.hidden}, out={self.out_features}, split=value|gate"
