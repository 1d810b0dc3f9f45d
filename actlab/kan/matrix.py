"""MatrixKAN evaluation of uniform B-splines (Coffman & Chen 2025, arXiv 2502.07176; kan_learnable.md §2.6).

On a uniform knot vector (spacing h) the k+1 non-zero order-k B-splines on interval j, at local coordinate
u = (x - t_j)/h ∈ [0, 1), are the row vector [1, u, ..., u^k]·Ψ_k with a fixed (k+1)×(k+1) matrix Ψ_k
(cubic: (1/6)·[[1,4,1,0],[-3,0,3,0],[3,-6,3,0],[-1,3,-3,1]]). One small matmul and a scatter replace the
k-step Cox–de Boor recursion. The values equal `bspline_basis` (tested); after a grid update makes the knots
non-uniform the basis falls back to Cox–de Boor.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

from actlab.kan.basis import register_basis
from actlab.kan.bspline import BSplineBasis, bspline_basis


@lru_cache(maxsize=16)
def psi_matrix(k: int) -> np.ndarray:
    """Ψ_k[power, r]: coefficient of u^power in the r-th non-zero B-spline (r = 0 is the leftmost, m = j-k).

    Built from the uniform Cox–de Boor recursion on polynomials (unit spacing, t_j = 0):
    B^p_r(u) = (u - (r - p))/p · B^{p-1}_{r-1}(u) + (r + 1 - u)/p · B^{p-1}_r(u).
    """
    P = np.polynomial.polynomial
    funcs = [np.array([1.0])]
    for p in range(1, k + 1):
        new = []
        for r in range(p + 1):
            acc = np.array([0.0])
            if r - 1 >= 0:
                acc = P.polyadd(acc, P.polymul([-(r - p), 1.0], funcs[r - 1]) / p)
            if r <= p - 1:
                acc = P.polyadd(acc, P.polymul([r + 1.0, -1.0], funcs[r]) / p)
            new.append(acc)
        funcs = new
    psi = np.zeros((k + 1, k + 1))
    for r, f in enumerate(funcs):
        psi[: len(f), r] = f
    return psi


def matrix_bspline_basis(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """B-spline basis on uniform ``knots`` (in, n) by the MatrixKAN product. Shape: (B, in) -> (B, in, n-1-k)."""
    n = knots.shape[1]
    t0 = knots[:, 0]
    h = (knots[:, -1] - t0) / (n - 1)
    s = (x - t0) / h
    j = torch.floor(s)
    u = s - j
    inside = (j >= 0) & (j < n - 1)
    j = j.clamp(0, n - 2).long()
    powers = [torch.ones_like(u)]
    for _ in range(k):
        powers.append(powers[-1] * u)
    psi = torch.as_tensor(psi_matrix(k), dtype=x.dtype, device=x.device)
    vals = torch.stack(powers, dim=-1) @ psi  # (B, in, k+1)
    # basis index m = j - k + r; drop indices outside [0, K) and points outside the extended grid
    num = n - 1 - k
    idx = j.unsqueeze(-1) + torch.arange(-k, 1, device=x.device)
    keep = (idx >= 0) & (idx < num) & inside.unsqueeze(-1)
    return x.new_zeros(*x.shape, num).scatter_add_(-1, idx.clamp(0, num - 1), vals * keep)


@register_basis("matrix")
class MatrixBSplineBasis(BSplineBasis):
    """The bspline basis (same parameters, grid updates, refinement) evaluated the MatrixKAN way.

    Shape: (B, in) -> (B, in, G+k).
    """

    def features(self, u: Tensor) -> Tensor:
        knots = self.knots.to(u.dtype)
        d = knots.diff(dim=1)
        if torch.allclose(d, d[:, :1].expand_as(d), rtol=1e-6, atol=0):
            return matrix_bspline_basis(u, knots, self.k)
        return bspline_basis(u, knots, self.k)
