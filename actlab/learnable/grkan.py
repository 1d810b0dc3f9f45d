"""Group-rational KAN (GR-KAN) of the Kolmogorov–Arnold Transformer.

Yang & Wang, "Kolmogorov–Arnold Transformer", ICLR 2025, arXiv:2409.10594 (code: Adamdad/kat).

- ``GroupRational``: the C channels along ``dim`` are split into ``groups`` blocks of consecutive channels;
  every channel of a block goes through the same safe rational F_g (order (5, 4) by default). The parameters
  do not depend on C, so one module works for any channel count divisible by ``groups``.
- ``GRKANLinear``: GR-KAN(x)_j = Σ_i W_ji·F_{g(i)}(x_i) + bias_j, i.e. Linear(F(x)): the KAN edge function
  φ_ji = W_ji·F_g is a shared shape times a per-edge scale. Variance-preserving init (KAT §4): for
  x ~ N(0, 1), Var(W) = 1/(d_in·E[F(x)²]) so that Var(out) = Var(in) at init.
- ``GRKANFFN``: KAT's replacement of the transformer MLP — F¹ (identity init) → Linear(d → h) →
  F² (silu init) → Linear(h → d) — a drop-in FFN for (B, L, d) inputs.

KAT's released code shares the numerator across groups (only the denominators are per group);
``shared_numerator=True`` reproduces that, the default keeps one full rational per group.
"""
from __future__ import annotations

import warnings

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError
from actlab.core.registry import register
from actlab.core.spec import ActivationSpec, Props, Source
from actlab.learnable.rational import init_coefficients, rational

__all__ = ["GroupRational", "GRKANLinear", "GRKANFFN", "second_moment"]


def second_moment(act: Callable[[torch.Tensor], torch.Tensor], order: int = 80) -> float:
    """E[f(x)²] for x ~ N(0, 1) by Gauss–Hermite quadrature (probabilists' weights, exact for polynomials)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(order)
    with torch.no_grad():
        f = act(torch.as_tensor(nodes, dtype=torch.float64)).double().numpy()
    return float((weights * f * f).sum() / math.sqrt(2 * math.pi))


class GroupRational(nn.Module):
    r"""One safe rational per group of consecutive channels: y[..., c, ...] = F_{⌊c·G/C⌋}(x[..., c, ...]).

    F(x) = (a_0 + … + a_m x^m) / (1 + |b_1||x| + … + |b_n||x|^n), initialised by a least-squares fit of
    ``init`` (any elementwise zoo entry; "identity" is exact) on ``interval``.

    Shape: (*, C, *) -> same, channels on ``dim`` (default -1, the (B, L, C) layout of transformers; use
    ``dim=1`` for (B, C, H, W)). C must be divisible by ``groups``.

    Example::
        >>> act = GroupRational(groups=8, init="gelu")
        >>> act(torch.randn(2, 10, 64)).shape
        torch.Size([2, 10, 64])
    """

    def __init__(self, groups: int = 8, m: int = 5, n: int = 4, init: str | Callable[..., Any] | None = "silu",
                 dim: int = -1, interval: tuple[float, float] = (-3.0, 3.0), shared_numerator: bool = False,
                 backend: str = "eager"):
        super().__init__()
        if not isinstance(groups, int) or groups < 1:
            raise ParameterError(f"grkan: groups must be a positive integer, got {groups!r}")
        a, b, self.fit = init_coefficients(m, n, init, interval)
        self.groups, self.m, self.n, self.dim, self.backend = groups, m, n, dim, backend
        self.shared_numerator = shared_numerator
        self.numerator = nn.Parameter(a.unsqueeze(0) if shared_numerator else a.repeat(groups, 1))
        self.denominator = nn.Parameter(b.repeat(groups, 1))
        self._init_name = "identity" if self.fit is None else self.fit.target

    @property
    def fit_error(self) -> float:
        return 0.0 if self.fit is None else self.fit.max_error

    def coefficients(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(a, b) of shapes (G, m+1), (G, n)."""
        a = self.numerator.expand(self.groups, -1) if self.shared_numerator else self.numerator
        return a, self.denominator

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.dim == -1 and x.dim() >= 4 and not getattr(self, "_warned", False):
            self._warned = True  # once per module: NCHW feature maps almost surely want dim=1
            warnings.warn(f"grkan groups along the last axis (dim=-1, size {x.shape[-1]}) of a {x.dim()}-D input; "
                          "for (B, C, H, W) feature maps pass dim=1 (an explicit dim=3 silences this)", stacklevel=2)
        a, b = self.coefficients()
        return rational(x, a, b, dim=self.dim, backend=self.backend)

    def extra_repr(self) -> str:
        return (f"groups={self.groups}, m={self.m}, n={self.n}, init={self._init_name!r}, dim={self.dim}"
                + (", shared_numerator=True" if self.shared_numerator else ""))


class GRKANLinear(nn.Module):
    """GR-KAN layer: Linear(dropout(F(x))) with KAT's variance-preserving init of the weights.

    Shape: (*, in_features) -> (*, out_features).
    """

    def __init__(self, in_features: int, out_features: int, groups: int = 8, init: str | None = "identity",
                 bias: bool = True, dropout: float = 0.0, m: int = 5, n: int = 4, backend: str = "eager"):
        super().__init__()
        if in_features % groups:
            raise ShapeError(f"GRKANLinear: in_features={in_features} is not divisible by groups={groups}")
        self.act = GroupRational(groups, m, n, init=init, dim=-1, backend=backend)
        self.drop = nn.Dropout(dropout)
        self.linear = nn.Linear(in_features, out_features, bias=bias)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        a, b = (c[0].double() for c in self.act.coefficients())   # all groups are equal at init
        ef2 = second_moment(lambda x: rational(x, a, b))
        gain = math.sqrt(1.0 / ef2)                                  # gain² = Var[x] / E[F(x)²], x ~ N(0, 1)
        self.linear.weight.normal_(0.0, gain / math.sqrt(self.linear.in_features))
        if self.linear.bias is not None:
            self.linear.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.linear.in_features:
            raise ShapeError(f"GRKANLinear expects last dim {self.linear.in_features}, got input {tuple(x.shape)}")
        return self.linear(self.drop(self.act(x)))


class GRKANFFN(nn.Module):
    """KAT block MLP: GR-KAN(d → hidden, identity init) then GR-KAN(hidden → out, silu init).

    A drop-in replacement for a transformer FFN ``Linear → act → Linear``. Shape: (*, d) -> (*, out or d).
    """

    def __init__(self, d: int, hidden: int | None = None, out: int | None = None, groups: int = 8,
                 inits: tuple[str | None, str | None] = ("identity", "silu"), dropout: float = 0.0,
                 bias: bool = True, backend: str = "eager"):
        super().__init__()
        hidden = 4 * d if hidden is None else hidden
        self.fc1 = GRKANLinear(d, hidden, groups, inits[0], bias, dropout, backend=backend)
        self.fc2 = GRKANLinear(hidden, d if out is None else out, groups, inits[1], bias, dropout, backend=backend)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.fc1(x))


register(ActivationSpec(
    "grkan", "learnable", "P_g(x)/(1 + Σ|b_gk||x|^k), one safe rational per group g of channels (default 8 groups)",
    Source("Kolmogorov-Arnold Transformer", "Yang, Wang", 2024, "2409.10594"), module=GroupRational, kind="layer", props=Props.of("C0"),
    aliases=("group_rational",),
    notes="create('grkan', groups=8, init='silu', dim=-1); GRKANLinear / GRKANFFN for the full KAT layer"))
