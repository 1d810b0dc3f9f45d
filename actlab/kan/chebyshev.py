"""Chebyshev basis: ChebyKAN (SynodicMonth/ChebyKAN; kan_learnable.md §2.9).

    b_d(x) = T_d(tanh(x)),  d = 0..degree,  T_0 = 1, T_1 = t, T_{d+1} = 2t·T_d - T_{d-1}
The recurrence equals cos(d·arccos t) but has a finite gradient at t = ±1. Init C ~ N(0, (1/(in·(D+1)))^2).
No base branch, no bias.
"""
from __future__ import annotations

from actlab.kan.basis import register_basis
from actlab.kan.orthopoly import TanhPolynomialBasis, orthopoly

__all__ = ["ChebyshevBasis", "orthopoly"]


@register_basis("chebyshev", aliases=("cheby",))
class ChebyshevBasis(TanhPolynomialBasis):
    """T_0..T_degree of tanh(x). Shape: (B, in) -> (B, in, degree+1)."""

    kind = "cheb"
