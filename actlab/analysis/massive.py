"""Massive-activation census (Sun, Chen, Kolter & Liu 2024, §2).

An activation of a hidden state (one token's vector at one layer) is *massive* when its magnitude exceeds
``abs_threshold`` (100) and is at least ``ratio`` (1000) times the median magnitude of that hidden state.
`find_massive` works on stacked hidden states; `massive_activations` collects them from any model's layers
with forward hooks (by default: the output of each residual block).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from actlab.analysis.sparsity import collect_raw
from actlab.core.errors import ParameterError, ShapeError

Tensor = torch.Tensor


@dataclass(frozen=True)
class Massive:
    """One massive activation: layer (index and name), batch row, token position, hidden dim, value, and the
    median |a| of its hidden state."""

    layer: int
    layer_name: str
    batch: int
    token: int
    dim: int
    value: float
    median: float


def find_massive(hidden: Tensor, abs_threshold: float = 100.0, ratio: float = 1000.0, layer: int = 0,
                 layer_name: str = "") -> list[Massive]:
    """Massive entries of hidden states shaped (batch, tokens, dim) or (tokens, dim), largest first."""
    if not (abs_threshold >= 0 and ratio >= 0):
        raise ParameterError(f"abs_threshold and ratio must be >= 0, got {abs_threshold!r}, {ratio!r}")
    h = hidden.detach()
    if h.dim() == 2:
        h = h[None]
    if h.dim() != 3 or h.numel() == 0:
        raise ShapeError(f"hidden must be (batch, tokens, dim) or (tokens, dim), got {tuple(hidden.shape)}")
    mag = h.abs().float()
    if not torch.isfinite(mag).all():
        where = (~torch.isfinite(mag)).nonzero()[0].tolist()
        raise ParameterError(f"hidden states{f' of {layer_name}' if layer_name else ''} contain NaN/inf (first at "
                             f"(batch, token, dim) = {tuple(where)}); a median of them would hide massive values")
    med = mag.median(dim=-1, keepdim=True).values
    hit = (mag > abs_threshold) & (mag >= ratio * med)
    out = [Massive(layer, layer_name, int(b), int(t), int(d), float(h[b, t, d]), float(med[b, t, 0]))
           for b, t, d in hit.nonzero().tolist()]
    return sorted(out, key=lambda m: -abs(m.value))


def massive_activations(model: torch.nn.Module, inputs: Any, layers: Any, abs_threshold: float = 100.0,
                        ratio: float = 1000.0) -> list[Massive]:
    """Run ``inputs`` through ``model`` and report massive activations in the outputs of ``layers`` (a type,
    names, modules or predicate, see `select_modules`), in layer order then by magnitude."""
    outs = collect_raw(model, inputs, layers)
    found: list[Massive] = []
    for i, (name, hs) in enumerate(outs.items()):
        for h in hs:
            found += find_massive(h, abs_threshold, ratio, i, name)
    return found
