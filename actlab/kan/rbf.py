"""Gaussian RBF basis: FastKAN (Li 2024, "Kolmogorov-Arnold Networks are Radial Basis Function Networks",
arXiv 2405.06721; kan_learnable.md §2.2).

    b_m(u) = exp(-((u - u_m)/h)^2),  u_m = linspace(grid_min, grid_max, num_grids),
    h = (grid_max - grid_min)/(num_grids - 1),  u = LayerNorm(x) (instead of grid updates).
The layer adds FastKAN's base branch silu(u)·W_b with a bias. Coefficient init: truncated normal, std 0.1.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, check_int, register_basis


@register_basis("rbf")
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
        d = (u.unsqueeze(1) - self.centres.to(u.dtype).view(1, -1, 1)) * self.inv_h
        return torch.exp(-(d * d))

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
