"""Legendre basis: P_d(tanh(x)), d = 0..degree (the Chebyshev-KAN recipe with Legendre polynomials,
as in All-KAN's polynomial KAN variants; kan_learnable.md §2).

    P_0 = 1, P_1 = t, (n+1)·P_{n+1} = (2n+1)·t·P_n - n·P_{n-1},  t = tanh(x)
Orthogonal on [-1, 1] with the flat weight (Chebyshev uses 1/√(1-t²)). No base branch, no bias.
"""
from __future__ import annotations

from actlab.kan.basis import register_basis
from actlab.kan.orthopoly import TanhPolynomialBasis


@register_basis("legendre")
class LegendreBasis(TanhPolynomialBasis):
    """P_0..P_degree of tanh(x). Shape: (B, in) -> (B, in, degree+1)."""

    kind = "leg"
