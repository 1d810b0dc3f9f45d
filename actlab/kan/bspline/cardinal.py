"""B-splines on uniform knots as shifted cardinal B-splines, evaluated densely with no scatter (kan_learnable.md §1).

On knots t_q = t_0 + q·h every order-k basis function is the same bump: B_m(x) = N_k(s - m), s = (x - t_0)/h,
with N_k supported on [0, k+1]. N_k is symmetric about c = (k+1)/2, so with t' = c - |t - c| (the distance from
the nearer end of the support)

    N_k(t) = Σ_{i < c} (-1)^i·C(k+1, i)/k! · (t' - i)_+^k,

a truncated-power sum with only ⌈c⌉ terms (cubic: N_3 = ((t')_+^3 - 4·(t' - 1)_+^3)/6). Using the nearer end keeps
the terms ≤ c^k/k! (no large cancelling terms: float32 error ~1e-6 of the peak, float64 ~1e-15). Every entry of the
basis-major design (B, K, in) is a handful of in-place elementwise passes over contiguous memory — on CPU several
times cheaper than evaluating k+1 local values and scattering them. The backward recomputes
dN/dt = -sign(t - c)·Σ_i coef_i·k·(t' - i)_+^(k-1) from the saved input, so only a (B, in) tensor is kept; under
``create_graph`` it is built from out-of-place ops, so higher derivatives (PDE residuals) work too.
Temporaries that never leave the module live in per-thread scratch buffers (`scratch.py`).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import torch
from torch import Tensor

from actlab.kan.scratch import Slot, scratch_like


@lru_cache(maxsize=16)
def _terms(k: int) -> tuple[tuple[int, float], ...]:
    """(i, (-1)^i·C(k+1, i)/k!) for the truncated powers (t' - i)_+^k with i < (k+1)/2."""
    return tuple((i, (-1) ** i * math.comb(k + 1, i) / math.factorial(k)) for i in range(math.ceil((k + 1) / 2)))


def _scaled(x: Tensor, knots: Tensor) -> tuple[Tensor, Tensor]:
    n = knots.shape[1]
    t0 = knots[:, 0]
    inv_h = (n - 1) / (knots[:, -1] - t0)
    return (x - t0) * inv_h, inv_h


def _from_centre(s: Tensor, num: int, k: int) -> Tensor:
    """t - c = s - m - c for every basis m < num: (B, num, in), contiguous (|t - c| gives t' = c - |t - c|)."""
    shift = (torch.arange(num, dtype=s.dtype, device=s.device) + (k + 1) / 2).view(1, num, 1)
    return torch.sub(s.unsqueeze(1), shift)


def _power_sum(t: Tensor, k: int, power: int, scale: float) -> Tensor:
    """Σ_i scale·coef_i·(t - i)_+^power (power 0: the step [t > i]), written over ``t``."""
    def trunc(v: Tensor, i: int, slot: int) -> Tensor:  # (v - i)_+^power; over v when i = 0, else in a scratch
        if power == 0:  # only k = 1's derivative: a single step term
            return v.copy_(v > i)
        part = v.clamp_min_(0) if i == 0 else torch.sub(v, i, out=scratch_like(v, slot)).clamp_min_(0)
        return part.pow_(power)

    terms = _terms(k)
    rest = None  # the i >= 1 terms, summed in the SUM slot (the later ones made in TERM), before t is overwritten
    for i, coef in terms[1:]:
        part = trunc(t, i, Slot.SUM if rest is None else Slot.TERM).mul_(scale * coef)
        rest = part if rest is None else rest.add_(part)
    out = trunc(t, 0, Slot.TEMP).mul_(scale * terms[0][1])
    return out if rest is None else out.add_(rest)


def _slope_dot(x: Tensor, knots: Tensor, grad: Tensor, k: int, num: int) -> Tensor:
    """Σ_m grad[:, m]·dB_m/dx (B, in) from out-of-place ops, so autograd can differentiate it again."""
    s, inv_h = _scaled(x, knots)
    side = _from_centre(s, num, k)
    near_end = (k + 1) / 2 - side.abs()
    slope = sum(coef * k * ((near_end - i).clamp_min(0) ** (k - 1) if k > 1 else (near_end > i).to(x.dtype))
                for i, coef in _terms(k))
    return -(slope * grad * side.sign()).sum(1) * inv_h


class _CardinalBSpline(torch.autograd.Function):
    """x (B, in) -> basis-major design (B, K, in) on uniform knots."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, knots: Tensor, k: int) -> Tensor:
        s, _ = _scaled(x, knots)
        num = knots.shape[1] - 1 - k
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(x, knots)
            ctx.k, ctx.num = k, num
        near_end = _from_centre(s, num, k).abs_().neg_().add_((k + 1) / 2)
        return _power_sum(near_end, k, k, 1.0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        x, knots = ctx.saved_tensors
        k, num = ctx.k, ctx.num
        if torch.is_grad_enabled():  # create_graph (e.g. PDE residuals): a formula autograd can differentiate
            return _slope_dot(x, knots, grad, k, num), None, None
        s, inv_h = _scaled(x, knots)
        side = _from_centre(s, num, k)  # its sign says which end t' measures from
        near_end = torch.abs(side, out=scratch_like(side, Slot.SLOPE)).neg_().add_((k + 1) / 2)
        slope = _power_sum(near_end, k, k - 1, float(k))  # dN/dt', in the scratch: only its sum leaves
        slope.mul_(grad).mul_(side.sign_())
        return slope.sum(1).mul_(inv_h).neg_(), None, None


def cardinal_design(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """Basis-major design (B, K, in) of order-k (k >= 1) B-splines on uniform ``knots`` (in, n); its values
    equal `bspline_basis(x, knots, k).transpose(1, 2)` to rounding."""
    if k < 1:
        raise ValueError("cardinal_design needs k >= 1 (order 0 is a step: use the de Boor path)")
    return _CardinalBSpline.apply(x, knots, k)
