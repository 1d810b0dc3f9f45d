"""The registry of arithmetic benchmark models: a name → two seed-batched layers and a sparsity regulariser.

A unit's module registers its model(s) (``actlab.arith.units`` registers the built-ins below), so adding a unit
is one file: the `ArithUnit` subclass plus a ``register_model(...)`` call, imported by `actlab.arith`.

========== ================================ ==================================
name        layers                           sparsity regulariser (λ̂, start, end)
========== ================================ ==================================
nau         NAU → NAU                        0.01, 5·10³, 5·10⁴
nmu         NAU → NMU                        10, 10⁶, 2·10⁶
nac         NAC+ → NAC+                      —
nac_mul     NAC+ → NAC•                      —
nalu        NALU → NALU (shared weights)     —
nalu_sep    NALU → NALU (separate weights)   —
linear      Linear → Linear (biases)         —
========== ================================ ==================================
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import torch

from actlab.core.errors import ParameterError
from actlab.core.named_registry import Registry

# (in_features, out_features, seeds, generators) -> a seed-batched layer (an ArithUnit)
LayerFactory = Callable[[int, int, int, Sequence[torch.Generator | None]], Any]


@dataclass(frozen=True)
class Regularizer:
    """Linear warm-up ``λ(t) = λ̂ · clip((t - start) / (end - start), 0, 1)`` (Madsen & Johansen 2020)."""

    lam: float
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.lam < 0 or self.start < 0 or self.end <= self.start:
            raise ParameterError(f"regularizer needs lam >= 0 and 0 <= start < end, got "
                                 f"lam={self.lam}, start={self.start}, end={self.end}")

    def __call__(self, t: float) -> float:
        return self.lam * max(min((t - self.start) / (self.end - self.start), 1.0), 0.0)

    def scaled(self, factor: float) -> Regularizer:
        """The same ramp with start and end multiplied by ``factor`` (for shortened runs; not the paper's)."""
        return Regularizer(self.lam, self.start * factor, self.end * factor)


class ArithModel(NamedTuple):
    """Layer 1 (input → hidden), layer 2 (hidden → 1) and the sparsity regulariser (None: none)."""

    layer1: LayerFactory
    layer2: LayerFactory
    regularizer: Regularizer | None = None


ARITH_MODELS: Registry[ArithModel] = Registry("unit", helpers=(__name__,))
"""Arithmetic models by name (in registration order when iterated); entry capability ``regularized``."""


def register_model(name: str, layer1: LayerFactory, layer2: LayerFactory, regularizer: Regularizer | None = None,
                   aliases: tuple[str, ...] = (), replace: bool = False) -> ArithModel:
    """Make ``name`` a model of `ArithNet` / ``actlab arith --units``."""
    return ARITH_MODELS.add(name, ArithModel(layer1, layer2, regularizer), aliases=aliases, replace=replace,
                            regularized=regularizer is not None)
