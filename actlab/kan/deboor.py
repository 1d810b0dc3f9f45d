"""Local evaluation of a B-spline basis with a closed-form backward (kan_learnable.md §1, §2.6).

Cox–de Boor over the whole knot vector (`bspline.bspline_basis`) computes every basis function at every level:
(B, in, n) work per level, and autograd keeps each level for the backward. Only k+1 basis functions are non-zero
at a point, so this finds the knot interval j (t_j <= x < t_{j+1}), computes just those k+1 values and their
derivatives, and scatters them into the dense (B, in, K) feature tensor that the layer multiplies by its
coefficients. The backward gathers the incoming gradient at the same k+1 places: no graph, one saved tensor.

* Uniform knots (spacing h, the state after init or `refine`): the values are fixed cubic (order-k) polynomials
  of the local coordinate u = (x - t_j)/h — [1, u, ..., u^k]·Ψ_k, MatrixKAN's form (Coffman & Chen 2025) — and the
  derivatives [0, 1, 2u, ..., k·u^(k-1)]·Ψ_k / h.
* Any non-decreasing knots (after a grid update): the local de Boor triangle. Per level p the values N (p of them)
  become N'_r = c_r·(t_{j+r+1} - x)·N_r + c_{r-1}·(x - t_{j+r-p})·N_{r-1} with c_r = 1/(t_{j+r+1} - t_{j+r+1-p})
  (0 where knots repeat: the B-spline 0/0 = 0 convention). The knot terms depend on (input, interval) only and
  come from a small per-interval table. The derivative is dB_{m,k}/dx = k·(B_{m,k-1}/(t_{m+k} - t_m) -
  B_{m+1,k-1}/(t_{m+k+1} - t_{m+1})) = k·(T_{r-1} - T_r), T = c·N of the last level.

Both equal Cox–de Boor to rounding (tests/kan/test_deboor.py). First derivatives only; `backend="eager"` keeps
the autograd recursion for higher orders.
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


@lru_cache(maxsize=16)
def _value_and_slope(k: int) -> np.ndarray:
    """(k+1, 2(k+1)): [Ψ_k | D·Ψ_k] so that [1, u, .., u^k] @ it = [values | d values/du]."""
    psi = psi_matrix(k)
    slope = np.zeros_like(psi)
    for power in range(1, k + 1):
        slope[power - 1] = power * psi[power]
    return np.concatenate([psi, slope], axis=1)


def is_uniform(knots: Tensor, ulps: float = 16.0) -> bool:
    """Whether each row of ``knots`` (in, n) sits on an equally spaced grid t_0 + q·h to within ``ulps`` units of
    rounding of its dtype (the closed form uses the ideal positions, so only rounding-level gaps are allowed)."""
    n = knots.shape[1]
    t0, t1 = knots[:, :1], knots[:, -1:]
    if not bool((t1 > t0).all()):
        return False
    ideal = t0 + (t1 - t0) * torch.arange(n, dtype=knots.dtype, device=knots.device) / (n - 1)
    tol = ulps * torch.finfo(knots.dtype).eps * knots.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
    return bool(((knots - ideal).abs() <= tol).all())


def interval_tables(knots: Tensor, k: int) -> Tensor:
    """Knot terms of the de Boor triangle per (input, interval j), laid out (3·k(k+1)/2, in·(n-1)): for p = 1..k
    the rows [c_r | c_r·t_{j+r+1} | c_r·t_{j+r+1-p}], r = 0..p-1. Knot indices are clamped to the vector: such
    terms only feed basis functions that do not exist and are dropped."""
    n_in, n = knots.shape
    j = torch.arange(n - 1, device=knots.device)
    rows = []
    for p in range(1, k + 1):
        r = torch.arange(p, device=knots.device)
        right = knots[:, (j[:, None] + r + 1).clamp(0, n - 1)]  # (in, n-1, p)
        left = knots[:, (j[:, None] + r + 1 - p).clamp(0, n - 1)]
        d = right - left
        c = torch.where(d == 0, torch.zeros_like(d), 1 / torch.where(d == 0, torch.ones_like(d), d))
        rows += [c, c * right, c * left]
    if not rows:  # k = 0: no levels
        return knots.new_zeros(0, n_in * (n - 1))
    return torch.cat(rows, dim=-1).reshape(n_in * (n - 1), -1).T.contiguous()


def _horner(u: Tensor, coefs: list[float]) -> Tensor:
    """Σ_p coefs[p]·u^p on a contiguous tensor, in place after the first product."""
    if len(coefs) == 1:
        return torch.full_like(u, coefs[0])
    out = u * coefs[-1]
    for p in range(len(coefs) - 2, -1, -1):
        out += coefs[p]
        if p:
            out *= u
    return out


def _uniform_local(x: Tensor, knots: Tensor, k: int, want_slopes: bool
                   ) -> tuple[Tensor, list[Tensor], list[Tensor]]:
    """Interval j (B, in; -1 left of the knots, n-1 from the last knot on), k+1 local values (not masked:
    points outside the knots write only into dropped columns) and, if wanted, slopes (0 outside)."""
    n = knots.shape[1]
    t0 = knots[:, 0]
    inv_h = (n - 1) / (knots[:, -1] - t0)
    s = (x - t0) * inv_h
    jf = torch.floor(s)
    u = s - jf
    psi = psi_matrix(k)
    cols = [[float(v) for v in psi[:, r]] for r in range(k + 1)]
    vals = [_horner(u, c) for c in cols]
    slopes = []
    if want_slopes:
        inside = (jf >= 0) & (jf <= n - 2)
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        for c in cols:
            d = _horner(u, [p * c[p] for p in range(1, k + 1)]).mul_(inv_h)
            slopes.append(torch.where(inside, d, zero))
    # clamp as integers too: floor(NaN) converts to an arbitrary integer
    return jf.clamp_(-1, n - 1).long().clamp_(-1, n - 1), vals, slopes


def _deboor_local(x: Tensor, knots: Tensor, table: Tensor, k: int) -> tuple[Tensor, list[Tensor], list[Tensor]]:
    """Interval j, local values and slopes (as `_uniform_local`; values and slopes 0 outside the knots) on any
    non-decreasing knots, by the de Boor triangle."""
    batch, n_in = x.shape
    n = knots.shape[1]
    j = (x.unsqueeze(-1) >= knots).sum(-1) - 1  # -1 .. n-1 (NaN compares false: -1)
    inside = ((j >= 0) & (j < n - 1)).to(x.dtype).reshape(-1)
    jc = j.clamp(0, n - 2)
    rows = table.index_select(1, (jc + torch.arange(n_in, device=x.device) * (n - 1)).reshape(-1))
    xf = x.reshape(-1)
    vals = [inside]
    temp = vals
    at = 0
    for p in range(1, k + 1):
        c, a, b = rows[at: at + p], rows[at + p: at + 2 * p], rows[at + 2 * p: at + 3 * p]
        at += 3 * p
        temp = [v * c[r] for r, v in enumerate(vals)]
        w = [t * xf for t in temp]
        new = [a[0] * vals[0] - w[0]]  # c·(t_right - x)·N_r + c·(x - t_left)·N_{r-1}
        for r in range(1, p):
            new.append(a[r] * vals[r] - w[r] + w[r - 1] - b[r - 1] * vals[r - 1])
        new.append(w[p - 1] - b[p - 1] * vals[p - 1])
        vals = new
    if k == 0:
        slopes = [torch.zeros_like(xf)]
    else:  # k·(T_{r-1} - T_r), T_{-1} = T_k = 0
        slopes = [-k * temp[0]] + [k * (temp[r - 1] - temp[r]) for r in range(1, k)] + [k * temp[k - 1]]
    shape = x.shape
    return j, [v.reshape(shape) for v in vals], [d.reshape(shape) for d in slopes]


class _LocalBSpline(torch.autograd.Function):
    """x (B, in) -> padded basis-major design (B, K + 2k + 2, in): basis m of input i at [:, m + k + 1, i].

    Local value r of interval j is basis m = j - k + r, i.e. padded column j + r + 1: k+1 flat `put_` writes of
    B·in values each (the cheapest of scatter/index_put/one-hot assembly on CPU here). Values of basis functions
    that do not exist, and of points outside the knots (j = -1 or n-1), land in the k+1 columns on either side,
    which the design view drops. The backward `take`s the gradient at the same places.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, knots: Tensor, table: Tensor | None, k: int) -> Tensor:
        batch, n_in = x.shape
        width = knots.shape[1] + k + 1  # K + 2k + 2
        want = ctx.needs_input_grad[0]
        if table is None:
            j, vals, slopes = _uniform_local(x, knots, k, want)
        else:
            j, vals, slopes = _deboor_local(x, knots, table, k)
        start = torch.arange(batch, device=x.device).unsqueeze(1) * (width * n_in) \
            + torch.arange(n_in, device=x.device) + (j + 1) * n_in  # flat index of padded column j + 1
        out = x.new_zeros(batch, width, n_in)
        flat = out.view(-1)
        for r, v in enumerate(vals):
            flat.put_(start + r * n_in, v)
        if want:
            ctx.save_for_backward(start, *slopes)
            ctx.n_in = n_in
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None, None]:
        start, *slopes = ctx.saved_tensors
        grad = grad.contiguous()
        gx = torch.zeros_like(slopes[0])
        for r, d in enumerate(slopes):  # gradient at basis j - k + r, times that value's slope
            gx.addcmul_(grad.take(start + r * ctx.n_in), d)
        return gx, None, None, None


def local_bspline_design(x: Tensor, knots: Tensor, k: int, table: Tensor | None = None,
                         uniform: bool | None = None) -> Tensor:
    """The layer's design matrix (B, K·in), basis-major: column m·in + i holds B_m(x_i) (a strided view).

    ``uniform`` (default: `is_uniform(knots)`) selects the closed form; otherwise ``table`` (default:
    `interval_tables(knots, k)`) feeds the de Boor triangle. Pass cached ones to skip recomputing them per call.
    """
    num = knots.shape[1] - 1 - k
    if num < 1:
        raise ValueError(f"need at least k + 2 = {k + 2} knots for order k = {k}, got {knots.shape[1]}")
    if uniform is None:
        uniform = is_uniform(knots)
    uniform = uniform and k > 0  # order 0 is a step: decide knots exactly by comparison
    if not uniform and table is None:
        table = interval_tables(knots, k)
    padded = _LocalBSpline.apply(x.contiguous(), knots.contiguous(), None if uniform else table, k)
    return padded[:, k + 1: k + 1 + num].reshape(x.shape[0], -1)  # a view: rows strided by (K + 2k + 2)·in


def local_bspline_basis(x: Tensor, knots: Tensor, k: int, table: Tensor | None = None,
                        uniform: bool | None = None) -> Tensor:
    """B-spline basis values (B, in) -> (B, in, n-1-k) on knots (in, n): the values of `bspline_basis`
    (a permuted view of `local_bspline_design`)."""
    design = local_bspline_design(x, knots, k, table, uniform)
    return design.view(x.shape[0], -1, x.shape[1]).transpose(1, 2)
