"""Legendre basis: P_d(tanh(x)), d = 0..degree (the Chebyshev-KAN recipe with Legendre polynomials,
as in All-KAN's polynomial KAN variants; kan_learnable.md §2).

    P_0 = 1, P_1 = t, (n+1)·P_{n+1} = (2n+1)·t·P_n - n·P_{n-1},  t = tanh(x)
Orthogonal on [-1, 1] with the flat weight (Chebyshev uses 1/√(1-t²)). No base branch, no bias.
"""
from __future__ import annotations

import torch
from torch import Tensor

from actlab.kan.basis import Basis, check_int, register_basis
from actlab.kan.chebyshev import orthopoly


@register_basis("legendre")
class LegendreBasis(Basis):
    """P_0..P_degree of tanh(x). Shape: (B, in) -> (B, in, degree+1)."""

    per_input_free = True  # no per-input state: nodes can be removed

    def __init__(self, in_features: int, degree: int = 3):
        super().__init__(in_features)
        self.degree = check_int("degree", degree, 1, "legendre basis")
        self.num_features = self.degree + 1

    def features(self, u: Tensor) -> Tensor:
        return orthopoly(torch.tanh(u), self.degree, "leg")

    def init_coef(self, coef: Tensor) -> None:
        with torch.no_grad():
            coef.normal_(0.0, 1.0 / (self.in_features * self.num_features))

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -2.0)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"degree={self.degree}"
