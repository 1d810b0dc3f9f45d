"""Task metrics, each computed once over a whole split: accuracy, RMSE, perplexity (and matching losses)."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F


def accuracy(out: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows whose arg-max logit is the label. out: (N, C), y: (N,)."""
    return float((out.argmax(-1) == y).float().mean())


def rmse(out: torch.Tensor, y: torch.Tensor) -> float:
    """sqrt(mean((out - y)^2)). out: (N, 1) or (N,), y: (N,)."""
    return float(torch.sqrt(F.mse_loss(out.reshape(y.shape).double(), y.double())))


def perplexity(out: torch.Tensor, y: torch.Tensor) -> float:
    """exp(mean token cross-entropy). out: (N, T, V) logits, y: (N, T) token ids."""
    return float(torch.exp(lm_loss(out.double(), y)))


def mse_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.reshape(y.shape), y)


def lm_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Callable[[torch.Tensor, torch.Tensor], float]
    higher_is_better: bool
    range: tuple[float, float] = (-math.inf, math.inf)  # the values the metric can take (intervals are clipped)


METRICS = {m.name: m for m in (Metric("accuracy", accuracy, True, (0.0, 1.0)),
                              Metric("rmse", rmse, False, (0.0, math.inf)),
                              Metric("perplexity", perplexity, False, (1.0, math.inf)))}


def metric_range(name: str) -> tuple[float, float]:
    """The values metric ``name`` can take; unbounded for a name this version does not know."""
    m = METRICS.get(name)
    return m.range if m is not None else (-math.inf, math.inf)
