"""Fast B-spline design matrices with closed-form backwards: the bspline basis' default path (kan_learnable.md §1).

`recursion.bspline_basis` (autograd through Cox–de Boor in (B, in, n) layout) keeps every level for the backward and
works along a short last axis. `bspline_design` builds the layer's basis-major design matrix (B, K·in)
directly, in passes over contiguous (B, ·, in) slabs, with a backward that needs no graph:

* Uniform knots (spacing h: after init or `refine`): every basis is a shifted cardinal B-spline, evaluated densely
  by a short truncated-power sum (`cardinal.py`); only the scaled input is saved.
* Any non-decreasing knots (after a grid update): Cox–de Boor in basis-major layout,
  B_{m,p} = (x - t_m)·r1_m·B_{m,p-1} + (t_{m+p+1} - x)·r2_m·B_{m+1,p-1}, r1_m = 1/(t_{m+p} - t_m),
  r2_m = 1/(t_{m+p+1} - t_{m+1}) (0 where knots repeat: the B-spline 0/0 = 0 convention), with the knot terms of
  every level precomputed per (basis, input) (`LevelTables`, cached by the basis); without repeated knots order 1
  is the closed-form hat max(0, min((x - t_m)·r1, (t_{m+2} - x)·r2)). The backward uses
  dB_{m,k}/dx = k·(r1_m·B_{m,k-1} - r2_m·B_{m+1,k-1}) from the saved level k-1.

Both equal Cox–de Boor to rounding (tests/kan/test_deboor.py). The closed-form backwards run without a graph; under
``create_graph`` they switch to autograd-visible formulas, so second derivatives (PDE residuals) work as with
`backend="eager"`.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from actlab.kan.bspline.cardinal import cardinal_design
from actlab.kan.bspline.recursion import bspline_basis

Level = tuple[Tensor, Tensor, Tensor, Tensor]


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


def _safe_inv(d: Tensor) -> Tensor:
    return torch.where(d == 0, torch.zeros_like(d), 1 / torch.where(d == 0, torch.ones_like(d), d))


class LevelTables:
    """Knot terms of every Cox–de Boor level, laid out (1, ·, in) for broadcasting over (B, ·, in) slabs.

    ``levels[p-1]`` = (α, β, γ, δ), each (1, n-1-p, in), of B_{m,p} = (α·x + β)·B_{m,p-1} + (γ·x + δ)·B_{m+1,p-1}:
    α = r1, β = -t_m·r1, γ = -r2, δ = t_{m+p+1}·r2. ``knots_t`` = the knots (1, n, in); ``distinct`` = no knot
    repeats, so order 1 has the closed form max(0, min(α·x + β, γ·x + δ)) (the hat) and order 0 is skipped.
    """

    def __init__(self, knots: Tensor, k: int):
        self.knots_t = knots.T.contiguous().unsqueeze(0)
        self.distinct = bool((knots.diff(dim=1) > 0).all())
        self.levels: list[Level] = []
        for p in range(1, k + 1):
            r1 = _safe_inv(knots[:, p:-1] - knots[:, : -(p + 1)])  # (in, n-1-p)
            r2 = _safe_inv(knots[:, p + 1:] - knots[:, 1:-p])
            terms = (r1, -knots[:, : -(p + 1)] * r1, -r2, knots[:, p + 1:] * r2)
            self.levels.append(tuple(v.T.contiguous().unsqueeze(0) for v in terms))


class _DenseCoxDeBoor(torch.autograd.Function):
    """x (B, in) -> basis-major design (B, K, in) on any non-decreasing knots."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, tables: LevelTables) -> Tensor:
        xb = x.unsqueeze(1)
        levels = tables.levels
        k = len(levels)
        if tables.distinct and k >= 2:  # the hats directly
            alpha, beta, gamma, delta = levels[0]
            b = torch.minimum(torch.addcmul(beta, xb, alpha), torch.addcmul(delta, xb, gamma)).clamp_min_(0)
            start = 2
        else:
            step = (xb >= tables.knots_t).to(x.dtype)  # [t_m <= x]; order 0 is [t_m <= x < t_{m+1}]
            b = step[:, :-1] - step[:, 1:]
            start = 1
        for p in range(start, k + 1):
            alpha, beta, gamma, delta = levels[p - 1]
            if p == k and ctx.needs_input_grad[0]:
                ctx.save_for_backward(x, b, alpha, gamma)
                ctx.tables = tables
            left = torch.addcmul(beta, xb, alpha).mul_(b[:, :-1])
            b = left.add_(torch.addcmul(delta, xb, gamma).mul_(b[:, 1:]))
        ctx.k = k
        return b

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        if ctx.k == 0:  # piecewise constant: zero derivative almost everywhere
            return grad.new_zeros(grad.shape[0], grad.shape[2]), None
        x, b, alpha, gamma = ctx.saved_tensors  # level k-1 (B, K+1, in); r1 = α, r2 = -γ of level k
        if torch.is_grad_enabled():  # create_graph: level k-1 again, through autograd, so this differentiates
            b = bspline_basis(x, ctx.tables.knots_t[0].T, ctx.k - 1).transpose(1, 2)
            return ((b[:, :-1] * alpha + b[:, 1:] * gamma) * grad).sum(1) * ctx.k, None
        slope = (b[:, :-1] * alpha).add_(b[:, 1:] * gamma)  # r1·B_{m,k-1} - r2·B_{m+1,k-1}
        return slope.mul_(grad).sum(1).mul_(ctx.k), None


def bspline_design(x: Tensor, knots: Tensor, k: int, table: LevelTables | None = None,
                   uniform: bool | None = None) -> Tensor:
    """The layer's design matrix (B, K·in), basis-major: column m·in + i holds B_m(x_i).

    ``uniform`` (default: `is_uniform(knots)`) selects the cardinal form; otherwise ``table`` (default:
    `LevelTables(knots, k)`) feeds Cox–de Boor. Pass cached ones to skip recomputing them per call.
    """
    if knots.shape[1] - 1 - k < 1:
        raise ValueError(f"need at least k + 2 = {k + 2} knots for order k = {k}, got {knots.shape[1]}")
    x = x.contiguous()
    if uniform is None:
        uniform = is_uniform(knots)
    if uniform and k > 0:  # order 0 is a step: decide knots exactly by comparison
        design = cardinal_design(x, knots, k)
    else:
        design = _DenseCoxDeBoor.apply(x, table if table is not None else LevelTables(knots, k))
    return design.reshape(x.shape[0], -1)


def fast_bspline_basis(x: Tensor, knots: Tensor, k: int, table: LevelTables | None = None,
                        uniform: bool | None = None) -> Tensor:
    """B-spline basis values (B, in) -> (B, in, n-1-k) on knots (in, n): the values of `bspline_basis`
    (a permuted view of `bspline_design`)."""
    design = bspline_design(x, knots, k, table, uniform)
    return design.view(x.shape[0], -1, x.shape[1]).transpose(1, 2)
