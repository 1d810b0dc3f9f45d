"""Gaussian RBF basis: FastKAN (Li 2024, "Kolmogorov-Arnold Networks are Radial Basis Function Networks",
arXiv 2405.06721; kan_learnable.md §2.2).

    b_m(u) = exp(-((u - u_m)/h)^2),  u_m = linspace(grid_min, grid_max, num_grids),
    h = (grid_max - grid_min)/(num_grids - 1),  u = LayerNorm(x) (instead of grid updates).
The layer adds FastKAN's base branch silu(u)·W_b with a bias. Coefficient init: truncated normal, std 0.1.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, check_int, register_basis
from actlab.kan.scratch import Slot, scratch


def _offsets(u: Tensor, centres: Tensor, inv_h: float, out: Tensor | None = None) -> Tensor:
    """(B, K, in): (u_i − centre_m)/h."""
    return torch.sub(u.unsqueeze(1), centres.view(1, -1, 1), out=out).mul_(inv_h)


class _Gaussians(torch.autograd.Function):
    """u (B, in) -> exp(−((u − c_m)/h)²) as (B, K, in), with the closed-form input gradient
    −(2/h)·Σ_m grad_m·φ_m·(u − c_m)/h (the offsets are recomputed, not stored)."""

    @staticmethod
    def forward(ctx: Any, u: Tensor, centres: Tensor, inv_h: float) -> Tensor:
        phi = _offsets(u, centres, inv_h).square_().neg_().exp_()
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(u, centres, phi)
            ctx.inv_h = inv_h
        return phi

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        u, centres, phi = ctx.saved_tensors
        inv_h = ctx.inv_h
        if torch.is_grad_enabled():  # create_graph: rebuild φ through autograd so this differentiates again
            d = (u.unsqueeze(1) - centres.view(1, -1, 1)) * inv_h
            return (grad * torch.exp(-d * d) * d).sum(1) * (-2 * inv_h), None, None
        d = _offsets(u, centres, inv_h, out=scratch(phi.shape, phi.dtype, phi.device, Slot.TEMP))
        return d.mul_(phi).mul_(grad).sum(1).mul_(-2 * inv_h), None, None


@register_basis("rbf", aliases=("fastkan",))
class RBFBasis(Basis):
    """FastKAN Gaussian bumps on a fixed grid after an (optional) input LayerNorm.

    Shape: (B, in) -> (B, in, num_grids).
    """

    default_base = "silu"
    default_bias = True

    def __init__(self, in_features: int, num_grids: int = 8, grid_min: float = -2.0, grid_max: float = 2.0,
                 layernorm: bool = True, init_scale: float = 0.1):
        super().__init__(in_features)
        self.num_features = check_int("num_grids", num_grids, 2, "rbf basis")
        if not grid_min < grid_max:
            raise ParameterError(f"rbf basis: need grid_min < grid_max, got {grid_min}, {grid_max}")
        self.register_buffer("centres", torch.linspace(grid_min, grid_max, num_grids))
        self.inv_h = (num_grids - 1) / (grid_max - grid_min)
        self.norm = nn.LayerNorm(in_features) if layernorm else None
        self.init_scale = float(init_scale)

    def prepare(self, x: Tensor) -> Tensor:
        return x if self.norm is None else self.norm(x)

    def basis_major(self, u: Tensor) -> Tensor:
        return _Gaussians.apply(u, self.centres.to(u.dtype), self.inv_h)

    def init_coef(self, coef: Tensor) -> None:
        nn.init.trunc_normal_(coef, std=self.init_scale)

    def select_inputs(self, idx: Tensor) -> None:
        if self.norm is not None:
            raise ParameterError("rbf basis with layernorm=True couples its inputs; its nodes cannot be removed")
        self.in_features = len(idx)

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), float(self.centres[0]))
        return lo, torch.full_like(lo, float(self.centres[-1]))

    def extra_repr(self) -> str:
        return f"num_grids={self.num_features}, layernorm={self.norm is not None}"
