"""A small CNN for 1-D signals (C, L) or 2-D images (C, H, W) whose nonlinearities are ``act``."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.models._act import act_factory, is_gated, set_gate_dim


class CNN(nn.Module):
    """Per entry of ``channels``: ``Conv(k, same padding) → [BatchNorm] → act → MaxPool(2)``; then
    ``Flatten → Linear(n_classes)``.

    ``input_shape`` is (C, L) for 1-D or (C, H, W) for 2-D; inputs may also arrive flattened as (N, prod),
    e.g. the same (N, 64) digits tensor an MLP takes. Gated units act on the channel dim (conv width doubled).
    Spatial sizes are halved (floor) by each pool and must stay >= 1.

    Shape: (N, *input_shape) or (N, prod(input_shape)) -> (N, n_classes)

    >>> CNN((1, 8, 8), 10, act="silu")(torch.randn(3, 64)).shape
    torch.Size([3, 10])
    """

    def __init__(self, input_shape: Sequence[int], n_classes: int, channels: Sequence[int] = (16, 32),
                 act: Any = "relu", kernel_size: int = 3, norm: str | None = None,
                 act_params: dict[str, Any] | None = None):
        super().__init__()
        input_shape = tuple(int(s) for s in input_shape)
        if len(input_shape) not in (2, 3):
            raise ShapeError(f"CNN: input_shape must be (C, L) or (C, H, W), got {input_shape}")
        if norm not in (None, "batch"):
            raise ParameterError(f"CNN: norm must be None or 'batch', got {norm!r}")
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ParameterError(f"CNN: kernel_size must be odd and >= 1, got {kernel_size}")
        spatial = list(input_shape[1:])
        if min(spatial) >> len(channels) < 1:
            raise ShapeError(f"CNN: {len(channels)} pooling stages shrink spatial size {tuple(spatial)} to zero")
        conv = nn.Conv1d if len(spatial) == 1 else nn.Conv2d
        bn = nn.BatchNorm1d if len(spatial) == 1 else nn.BatchNorm2d
        pool = nn.MaxPool1d if len(spatial) == 1 else nn.MaxPool2d
        make = act_factory(act, **(act_params or {}))
        self.input_shape, self.n_classes, self.channels = input_shape, n_classes, list(channels)
        layers: list[nn.Module] = []
        c_in = input_shape[0]
        for c in channels:
            a = make()
            mult = 2 if is_gated(a) else 1
            if mult == 2:
                set_gate_dim(a, 1)
            layers.append(conv(c_in, c * mult, kernel_size, padding=kernel_size // 2))
            if norm == "batch":
                layers.append(bn(c * mult))
            layers += [a, pool(2)]
            spatial = [s // 2 for s in spatial]
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in * math.prod(spatial), n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            x = x.view(len(x), *self.input_shape)
        elif tuple(x.shape[1:]) != self.input_shape:
            raise ShapeError(f"CNN: expected input (N, {', '.join(map(str, self.input_shape))}) or flattened, "
                             f"got {tuple(x.shape)}")
        return self.head(self.features(x).flatten(1))

    def extra_repr(self) -> str:
        return f"input_shape={self.input_shape}, n_classes={self.n_classes}, channels={self.channels}"
