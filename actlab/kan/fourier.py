"""Fourier basis: FourierKAN (GistNoesis/FourierKAN; kan_learnable.md §2.7).

    φ(x) = Σ_{n=1..G} a_n·cos(n·x) + b_n·sin(n·x)   (+ an output bias)
Init a, b ~ N(0, 1)/(√in·√G); ``smooth=True`` divides by n² instead of √G (damps high frequencies).
Periodic, so inputs never leave the grid. No base branch.
"""
from __future__ import annotations

import torch
from torch import Tensor

from actlab.kan.basis import Basis, check_int, register_basis


@register_basis("fourier")
class FourierBasis(Basis):
    """cos(n x), sin(n x) for n = 1..grid. Shape: (B, in) -> (B, in, 2·grid)."""

    default_bias = True
    per_input_free = True  # no per-input state: nodes can be removed

    def __init__(self, in_features: int, grid: int = 5, smooth: bool = False):
        super().__init__(in_features)
        self.G = check_int("grid", grid, 1, "fourier basis")
        self.smooth = bool(smooth)
        self.register_buffer("freqs", torch.arange(1, self.G + 1, dtype=torch.float32))
        self.num_features = 2 * self.G

    def basis_major(self, u: Tensor) -> Tensor:
        z = u.unsqueeze(1) * self.freqs.to(u.dtype).view(1, -1, 1)
        return torch.cat([torch.cos(z), torch.sin(z)], dim=1)

    def init_coef(self, coef: Tensor) -> None:
        with torch.no_grad():
            coef.normal_(0.0, 1.0)
            if self.smooth:
                coef /= self.in_features ** 0.5 * torch.cat([self.freqs, self.freqs]) ** 2
            else:
                coef /= (self.in_features * self.G) ** 0.5

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), -torch.pi)
        return lo, -lo

    def extra_repr(self) -> str:
        return f"grid={self.G}, smooth={self.smooth}"
