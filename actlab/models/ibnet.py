"""The information-plane network of Shwartz-Ziv & Tishby (2017): 12-10-7-5-4-3-2 with any activation."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError
from actlab.models._act import act_factory

IB_SIZES = (12, 10, 7, 5, 4, 3, 2)


class IBNet(nn.Module):
    """``Linear → act`` for each hidden width, then ``Linear`` to the class logits.

    Init as in the IDNNs code: weights from a normal truncated at ±2 std with std = 1/√fan_in, biases 0.
    `layer_outputs` returns what the information plane measures: every hidden layer after its activation,
    and the softmax output.

    Shape: (N, sizes[0]) -> (N, sizes[-1]) logits

    >>> IBNet(act="relu")(torch.zeros(3, 12)).shape
    torch.Size([3, 2])
    """

    def __init__(self, act: Any = "tanh", sizes: Sequence[int] = IB_SIZES, act_params: dict[str, Any] | None = None):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ParameterError(f"IBNet: sizes must be >= 2 positive widths, got {sizes}")
        make = act_factory(act, **(act_params or {}))
        self.sizes = sizes
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.acts = nn.ModuleList(make() for _ in sizes[1:-1])
        for lin in self.linears:
            nn.init.trunc_normal_(lin.weight, std=1 / math.sqrt(lin.in_features),
                                  a=-2 / math.sqrt(lin.in_features), b=2 / math.sqrt(lin.in_features))
            nn.init.zeros_(lin.bias)

    def layer_outputs(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Hidden activations after each nonlinearity, then the softmax probabilities."""
        outs = []
        for lin, act in zip(self.linears[:-1], self.acts):
            x = act(lin(x))
            outs.append(x)
        outs.append(torch.softmax(self.linears[-1](x), dim=-1))
        return outs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for lin, act in zip(self.linears[:-1], self.acts):
            x = act(lin(x))
        return self.linears[-1](x)

    def extra_repr(self) -> str:
        return "sizes=" + "-".join(map(str, self.sizes))
