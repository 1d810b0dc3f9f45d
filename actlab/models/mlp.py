"""A plain multilayer perceptron whose every hidden nonlinearity is ``act`` (anything `act_factory` takes)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError
from actlab.models._act import act_factory, is_gated

NORMS = ("batch", "layer")


class MLP(nn.Module):
    """``Linear → [norm] → act → [dropout]`` per hidden width, then a final ``Linear``.

    Gated units (GLU family, which halve their input) get a hidden ``Linear`` twice as wide, so the width
    seen by the next layer is still ``hidden[i]``. Inputs with more than two dims are flattened.

    Shape: (N, *) with prod(*) == in_features -> (N, out_features)

    >>> MLP(64, [32, 32], 10, act="gelu")(torch.randn(5, 8, 8)).shape
    torch.Size([5, 10])
    """

    def __init__(self, in_features: int, hidden: Sequence[int], out_features: int, act: Any = "relu",
                 norm: str | None = None, dropout: float = 0.0, act_params: dict[str, Any] | None = None):
        super().__init__()
        if norm is not None and norm not in NORMS:
            raise ParameterError(f"MLP: norm must be None or one of {NORMS}, got {norm!r}")
        if not 0.0 <= dropout < 1.0:
            raise ParameterError(f"MLP: dropout must be in [0, 1), got {dropout}")
        hidden = list(hidden)
        if any(int(h) < 1 for h in hidden) or in_features < 1 or out_features < 1:
            raise ParameterError(f"MLP: widths must be >= 1, got in={in_features}, hidden={hidden}, "
                                 f"out={out_features}")
        make = act_factory(act, **(act_params or {}))
        self.in_features, self.hidden, self.out_features = in_features, hidden, out_features
        self.norm, self.dropout = norm, dropout
        layers: list[nn.Module] = []
        width = in_features
        for h in hidden:
            a = make()
            mult = 2 if is_gated(a) else 1
            layers.append(nn.Linear(width, h * mult))
            if norm == "batch":
                layers.append(nn.BatchNorm1d(h * mult))
            elif norm == "layer":
                layers.append(nn.LayerNorm(h * mult))
            layers.append(a)
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() > 2:
            x = x.flatten(1)
        return self.layers(x)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, hidden={self.hidden}, out_features={self.out_features}"
                + (f", norm={self.norm!r}" if self.norm else "") + (f", dropout={self.dropout}" if self.dropout else ""))
