"""ReLU-KAN basis (Qiu et al. 2024, arXiv 2406.02075; kan_learnable.md §2.3).

    R_m(x) = [ReLU(e_m - x)·ReLU(x - s_m)]^2 · 16/(e_m - s_m)^4,  m = 0..G+k-1,
    s_m = lo + (m - k)·h,  e_m = s_m + (k+1)·h,  h = (hi - lo)/G.
Bell shapes of width (k+1)·h and peak 1 built from ReLUs only. The paper's grid is [0, 1]; ours defaults to
[-1, 1] like every other basis here (set ``grid_range=(0, 1)`` for the paper's). No base branch.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, check_int, needs_graph, register_basis
from actlab.kan.scratch import Slot, scratch_like


@register_basis("relu", aliases=("relukan",), small={"grid": 3})
class ReLUBasis(Basis):
    """ReLU-KAN bells; ``train_ends=True`` makes s_m and e_m learnable (per input).

    Shape: (B, in) -> (B, in, G+k).
    """

    default_bias = True

    def __init__(self, in_features: int, grid: int = 5, k: int = 3, grid_range: Sequence[float] = (-1.0, 1.0),
                 train_ends: bool = False):
        super().__init__(in_features)
        g = check_int("grid", grid, 1, "relu basis")
        k = check_int("k", k, 0, "relu basis")
        lo, hi = (float(v) for v in grid_range)
        if not lo < hi:
            raise ParameterError(f"relu basis: grid_range must satisfy lo < hi, got {tuple(grid_range)}")
        h = (hi - lo) / g
        s = lo + (torch.arange(g + k) - k) * h
        s = s.expand(in_features, g + k).clone()
        e = s + (k + 1) * h
        if train_ends:
            self.s, self.e = nn.Parameter(s), nn.Parameter(e)
        else:
            self.register_buffer("s", s)
            self.register_buffer("e", e)
        self.num_features, self.G, self.k = g + k, g, k
        self.lo, self.hi = lo, hi

    def basis_major(self, u: Tensor) -> Tensor:
        u = u.unsqueeze(1)
        s, e = self.s.to(u.dtype).T.unsqueeze(0), self.e.to(u.dtype).T.unsqueeze(0)  # (1, K, in)
        scale = 16.0 / (e - s) ** 4
        if needs_graph(u) or needs_graph(s) or needs_graph(e):
            r = torch.relu(e - u) * torch.relu(u - s)
            return r * r * scale
        # nothing to record: one output tensor, filled in place
        r = torch.sub(e, u).clamp_min_(0)
        return r.mul_(torch.sub(u, s, out=scratch_like(r, Slot.TEMP)).clamp_min_(0)).square_().mul_(scale)

    def select_inputs(self, idx: Tensor) -> None:
        with torch.no_grad():
            s, e = self.s[idx].clone(), self.e[idx].clone()
        if isinstance(self.s, nn.Parameter):
            self.s, self.e = nn.Parameter(s), nn.Parameter(e)
        else:
            self.s, self.e = s, e
        self.in_features = len(idx)

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), self.lo)
        return lo, torch.full_like(lo, self.hi)

    def extra_repr(self) -> str:
        return f"grid={self.G}, k={self.k}, range=({self.lo}, {self.hi})"
