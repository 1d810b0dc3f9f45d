"""Group-rational basis: the GR-KAN layer of KAT (Yang & Wang 2024, arXiv 2409.10594; kan_learnable.md §3).

    φ_{j,i}(x) = W[j,i]·F_{g(i)}(x),  F_g(x) = P_g(x)/Q_g(x),
    P_g(x) = Σ_{p=0..m} a_{g,p} x^p,  Q_g(x) = 1 + Σ_{q=1..n} |b_{g,q}|·|x|^q   (safe Padé: Q >= 1, no poles)
Input channels are split into ``groups`` runs of consecutive channels sharing one rational; the layer's
coefficient matrix is GR-KAN's linear weight (K = 1 feature per input). The rational itself comes from
`actlab.learnable.rational` when that module provides ``safe_pade``; otherwise the local Horner form below.
Init: rational ≈ SiLU (KAT's "swish" coefficients), weight variance gain²/in with gain² = 1/E[silu(x)²] for
x ~ N(0, 1) (KAT's variance-preserving init, gain² ≈ 2.8178).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from actlab.kan.basis import Basis, check_int, register_basis

# KAT init.json "swish" entry (order (5, 4)), as read in kan_learnable.md §3.1
SWISH_NUM = (0.0, 0.5, 0.25, 0.0533, 0.0058, 0.0003)
SWISH_DEN = (0.0, 0.1065, 0.0, 0.0006)
SILU_GAIN2 = 2.8178


def safe_pade_local(x: Tensor, num: Tensor, den: Tensor) -> Tensor:
    """P(x)/(1 + Σ|b_q||x|^q) by Horner. Shapes: x (B, G, C), num (G, m+1), den (G, n) -> (B, G, C)."""
    p = num[:, -1:].unsqueeze(0).expand(x.shape[0], -1, 1) * torch.ones_like(x)
    for c in range(num.shape[1] - 2, -1, -1):
        p = p * x + num[:, c: c + 1]
    ax, b = x.abs(), den.abs()
    q = b[:, -1:] * torch.ones_like(x)
    for c in range(den.shape[1] - 2, -1, -1):
        q = q * ax + b[:, c: c + 1]
    return p / (1 + q * ax)


def _safe_pade() -> object:
    try:  # prefer the learnable area's fused rational once it exists
        from actlab.learnable.rational import safe_pade  # type: ignore[attr-defined]

        return safe_pade
    except ImportError:
        return safe_pade_local


@register_basis("rational")
class RationalBasis(Basis):
    """One (m, n) safe-Padé rational per group of consecutive input channels (``groups`` is lowered to the
    largest divisor of in_features not above it, so one setting fits every layer of a stack).

    Shape: (B, in) -> (B, in, 1).
    """

    default_bias = True

    def __init__(self, in_features: int, groups: int = 8, order: tuple[int, int] = (5, 4)):
        super().__init__(in_features)
        # groups must divide in_features; a stack shares one setting, so use the largest divisor <= groups
        g = min(check_int("groups", groups, 1, "rational basis"), in_features)
        g = max(d for d in range(1, g + 1) if in_features % d == 0)
        m, n = (check_int(nm, v, lo, "rational basis") for nm, v, lo in zip(("m", "n"), order, (1, 1)))
        self.groups, self.m, self.n = g, m, n
        num = torch.zeros(g, m + 1)
        den = torch.zeros(g, n)
        num[:, : min(m + 1, 6)] = torch.tensor(SWISH_NUM[: min(m + 1, 6)])
        den[:, : min(n, 4)] = torch.tensor(SWISH_DEN[: min(n, 4)])
        self.num, self.den = nn.Parameter(num), nn.Parameter(den)
        self.num_features = 1
        self._fn = _safe_pade()

    def features(self, u: Tensor) -> Tensor:
        x = u.reshape(u.shape[0], self.groups, -1)
        return self._fn(x, self.num.to(u.dtype), self.den.to(u.dtype)).reshape(u.shape[0], -1, 1)

    def init_coef(self, coef: Tensor) -> None:
        with torch.no_grad():
            coef.normal_(0.0, (SILU_GAIN2 / self.in_features) ** 0.5)

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -3.0)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"groups={self.groups}, order=({self.m}, {self.n})"
