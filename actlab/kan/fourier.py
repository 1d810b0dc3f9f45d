"""Fourier basis: FourierKAN (GistNoesis/FourierKAN; kan_learnable.md §2.7).

    φ(x) = Σ_{n=1..G} a_n·cos(n·x) + b_n·sin(n·x)   (+ an output bias)
Init a, b ~ N(0, 1)/(√in·√G); ``smooth=True`` divides by n² instead of √G (damps high frequencies).
Periodic, so inputs never leave the grid. No base branch.
"""
from __future__ import annotations

import torch
from torch import Tensor

from actlab.kan.basis import Basis, check_int, needs_graph, register_basis


@register_basis("fourier", small={"grid": 3})
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
        if needs_graph(u):
            z = u.unsqueeze(1) * self.freqs.to(u.dtype).view(1, -1, 1)
            return torch.cat([torch.cos(z), torch.sin(z)], dim=1)
        return harmonics(u, self.G)


def harmonics(u: Tensor, grid: int) -> Tensor:
    """(B, 2·grid, in): cos(n·u) for n = 1..grid, then sin(n·u), from one cos and one sin per input by the
    Chebyshev recurrence f((n+1)u) = 2·cos(u)·f(n·u) − f((n−1)u), written in place (no graph is recorded).
    Its rounding error grows like n·eps, not with |u|: ~1e-6 in float32 at n = 5."""
    out = u.new_empty(u.shape[0], 2 * grid, u.shape[1])
    cos = torch.cos(u, out=out[:, 0])
    torch.sin(u, out=out[:, grid])
    two_cos = cos * 2
    for first in (0, grid):  # the cos rows, then the sin rows
        for n in range(1, grid):  # row first+n holds f((n+1)u)
            nxt = torch.mul(two_cos, out[:, first + n - 1], out=out[:, first + n])
            if n > 1:
                nxt.sub_(out[:, first + n - 2])
            elif first == 0:  # cos(0·u) = 1; sin(0·u) = 0 needs nothing
                nxt.sub_(1)
    return out

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
