"""The MatrixKAN algorithm proper (Coffman & Chen 2025; kan_learnable.md §2.6) on uniform knots.

For s = (x − t_0)/h in interval j = ⌊s⌋ with local coordinate u = s − j, the k+1 non-zero B-splines
N_{j−k..j}(s) are the row vector [1, u, …, u^k]·Ψ_k: one small polynomial per value (Horner over the powers,
all k+1 columns at once), then the values are added at their basis indices j−k+r into a zeroed basis-major
design (B, K, in). The input gradient is [0, 1, 2u, …, k·u^{k−1}]·Ψ_k·(1/h) gathered against the incoming
design gradient at the same indices; under create_graph it is built from autograd-visible ops instead, so
second derivatives work too. Values equal the Cox–de Boor recursion (tests/kan/test_matrix_fast.py).
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from actlab.kan.bspline.psi import _scaled, psi_matrix


def _psi(k: int, slope: bool, like: Tensor) -> Tensor:
    """Ψ_k (power, r) as a tensor; with ``slope`` the rows of its u-derivative (power·Ψ[power], shifted)."""
    psi = torch.as_tensor(psi_matrix(k), dtype=like.dtype, device=like.device)
    if slope:
        return psi[1:] * torch.arange(1, k + 1, dtype=like.dtype, device=like.device).unsqueeze(1)
    return psi


def _horner(u: Tensor, rows: Tensor) -> Tensor:
    """(B, R, in): Σ_p rows[p, r]·u^p for every column r of ``rows`` (P, R), u of shape (B, in); with no graph
    to record, each column is written in place with Python-float coefficients (no broadcasting kernels)."""
    if torch.is_grad_enabled() and (u.requires_grad or rows.requires_grad):
        out = rows[-1].view(1, -1, 1).expand(u.shape[0], -1, u.shape[1])
        for p in range(rows.shape[0] - 2, -1, -1):
            out = torch.addcmul(rows[p].view(1, -1, 1), out, u.unsqueeze(1))
        return out
    c = rows.tolist()
    out = u.new_empty(u.shape[0], rows.shape[1], u.shape[1])
    for r in range(rows.shape[1]):
        col = out[:, r]
        if len(c) == 1:
            col.fill_(c[0][r])
            continue
        torch.mul(u, c[-1][r], out=col)
        for p in range(len(c) - 2, 0, -1):
            col.add_(c[p][r]).mul_(u)
        col.add_(c[0][r])
    return out


def _locate(x: Tensor, knots: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """(u (B, in), column index of each value (B, k+1, in), its validity mask, 1/h (in,))."""
    n = knots.shape[1]
    s, inv_h = _scaled(x, knots)
    j = torch.floor(s)
    base = j.long()
    idx = base.new_empty(x.shape[0], k + 1, x.shape[1])
    for r in range(k + 1):  # value r belongs to basis j − k + r
        torch.add(base, r - k, out=idx[:, r])
    valid = (idx >= 0) & (idx < n - 1 - k)
    return s - j, idx.clamp_(0, n - 2 - k), valid, inv_h


class _MatrixDesign(torch.autograd.Function):
    """x (B, in) -> basis-major design (B, K, in) of order-k B-splines on uniform knots."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, knots: Tensor, k: int) -> Tensor:
        u, idx, valid, _ = _locate(x, knots, k)
        vals = _horner(u, _psi(k, False, x)).mul_(valid)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(x, knots)
            ctx.k = k
        out = x.new_zeros(x.shape[0], knots.shape[1] - 1 - k, x.shape[1])
        return out.scatter_add_(1, idx, vals)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, None, None]:
        x, knots = ctx.saved_tensors
        k = ctx.k
        if k == 0:  # piecewise constant: zero derivative almost everywhere
            return torch.zeros_like(x), None, None
        u, idx, valid, inv_h = _locate(x, knots, k)
        if torch.is_grad_enabled():  # create_graph: keep u's dependence on x visible to autograd
            s = _scaled(x, knots)[0]
            u = s - torch.floor(s).detach()
            slope = _horner(u, _psi(k, True, x)) * valid
            return (grad.gather(1, idx) * slope).sum(1) * inv_h, None, None
        slope = _horner(u, _psi(k, True, x)).mul_(valid)
        return slope.mul_(grad.gather(1, idx)).sum(1).mul_(inv_h), None, None


def matrix_design(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """Basis-major design (B, K, in), K = n − 1 − k, of order-k B-splines on uniform ``knots`` (in, n) by the
    MatrixKAN algorithm; equals `bspline_basis(x, knots, k).transpose(1, 2)` to rounding."""
    return _MatrixDesign.apply(x, knots, k)
