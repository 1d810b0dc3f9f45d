"""Ψ_k: MatrixKAN evaluation of uniform B-splines (Coffman & Chen 2025, arXiv 2502.07176; kan_learnable.md §2.6).

On a uniform knot vector (spacing h) the k+1 non-zero order-k B-splines on interval j, at local coordinate
u = (x - t_j)/h ∈ [0, 1), are the row vector [1, u, ..., u^k]·Ψ_k with a fixed (k+1)×(k+1) matrix Ψ_k
(cubic: (1/6)·[[1,4,1,0],[-3,0,3,0],[3,-6,3,0],[-1,3,-3,1]]). Here every entry of the dense
(B, in, K) basis tensor is evaluated from Ψ_k directly — no recursion, no scatter — so torch.compile fuses the
whole basis (and its backward) into one loop: the bspline basis' ``backend="compiled"`` uses it on uniform knots.
The values equal `bspline_basis` (tested); after a grid update makes the knots non-uniform the basis falls back
to Cox–de Boor. The "matrix" basis' default backend runs the MatrixKAN algorithm itself (`matrix_fast.py`:
only the k+1 non-zero values per input, placed into the design); "eager" and "compiled" use the dense form here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import Tensor



@lru_cache(maxsize=16)
def psi_matrix(k: int) -> np.ndarray:
    """Ψ_k[power, r]: coefficient of u^power in the r-th non-zero B-spline on an interval (r = 0 leftmost).

    Built from the uniform Cox–de Boor recursion on polynomials (unit spacing, t_j = 0):
    B^p_r(u) = (u - (r - p))/p · B^{p-1}_{r-1}(u) + (r + 1 - u)/p · B^{p-1}_r(u).
    (cubic: (1/6)·[[1,4,1,0],[-3,0,3,0],[3,-6,3,0],[-1,3,-3,1]])
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


def _pieces(s: Tensor, num: int, k: int, rows: tuple) -> Tensor:
    """Σ_i [floor(s - m) = i]·poly_i(s - m - i) for every basis m < num; ``rows`` = polynomial coefficients
    rows[power][piece] of the k+1 pieces (Ψ_k with its columns reversed, or their derivatives)."""
    t = s.unsqueeze(-1) - torch.arange(num, dtype=s.dtype, device=s.device)
    piece = torch.floor(t)
    u = t - piece
    out = torch.zeros_like(t)
    for i in range(k + 1):
        poly = torch.full_like(u, rows[len(rows) - 1][i])
        for power in range(len(rows) - 2, -1, -1):
            poly = poly * u + rows[power][i]
        out = torch.where(piece == i, poly, out)
    return out


def _scaled(x: Tensor, knots: Tensor) -> tuple[Tensor, Tensor]:
    """s = (x - t_0)/h per input and 1/h (uniform knots (in, n))."""
    n = knots.shape[1]
    t0 = knots[:, 0]
    inv_h = (n - 1) / (knots[:, -1] - t0)
    return (x - t0) * inv_h, inv_h


def matrix_bspline_basis(x: Tensor, knots: Tensor, k: int, rows: tuple | None = None) -> Tensor:
    """B-spline basis on uniform ``knots`` (in, n), dense and branch-free. Shape: (B, in) -> (B, in, n-1-k).

    Basis m is the cardinal B-spline N_k(s - m) of s = (x - t_0)/h; on its piece i = floor(s - m) it is the
    polynomial [1, u, ..., u^k]·Ψ_k[:, k - i] of u = s - m - i (Horner), and 0 off its support [0, k+1). Pure
    elementwise work on (B, in, K): slow-ish eagerly, one fused loop under torch.compile.
    """
    s, _ = _scaled(x, knots)
    return _pieces(s, knots.shape[1] - 1 - k, k, rows if rows is not None else _piece_rows(k, False))


def _basis_slope_dot(x: Tensor, knots: Tensor, grad: Tensor, k: int, rows: tuple) -> Tensor:
    """Σ_m grad[..., m]·dB_m/dx (B, in): the input gradient of the basis, from the derivative pieces."""
    s, inv_h = _scaled(x, knots)
    return (grad * _pieces(s, knots.shape[1] - 1 - k, k, rows)).sum(-1) * inv_h


@lru_cache(maxsize=16)
def _piece_rows(k: int, slope: bool) -> tuple:
    """rows[power][piece] (floats, constants for torch.compile): piece i of N_k is column k - i of Ψ_k; with
    ``slope`` the coefficients of its derivative in u."""
    psi = psi_matrix(k)[:, ::-1]
    if slope:
        psi = np.array([power * psi[power] for power in range(1, k + 1)]) if k else np.zeros((1, 1))
    return tuple(tuple(float(v) for v in row) for row in psi)


_COMPILED: dict[str, Any] = {}


def _compiled(name: str, fn: Any) -> Any:
    if name not in _COMPILED:  # shapes static at first, dynamic after a change (torch.compile's default)
        _COMPILED[name] = torch.compile(fn)
    return _COMPILED[name]


class _CompiledUniform(torch.autograd.Function):
    """Forward and input-gradient kernels compiled separately: no (B, in, K) tensor saved, one fused loop each."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, knots: Tensor, k: int) -> Tensor:
        ctx.save_for_backward(x, knots)
        ctx.k = k
        return _compiled("basis", matrix_bspline_basis)(x, knots, k, _piece_rows(k, False))

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        x, knots = ctx.saved_tensors
        dot = _compiled("slope", _basis_slope_dot)
        return dot(x, knots, grad.contiguous(), ctx.k, _piece_rows(ctx.k, True)), None, None


def compiled_matrix_basis(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """`matrix_bspline_basis` with compiled forward and backward kernels (compiled on first use, seconds)."""
    return _CompiledUniform.apply(x, knots, k)
