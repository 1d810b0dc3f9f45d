"""AF-KAN basis (Ta & Tran 2025, arXiv 2503.06112; All-KAN; kan_learnable.md §2.4).

ReLU-KAN's bells with any activation σ (default SiLU) and a "function combination":
    x1 = σ(x - s_m),  x2 = σ(e_m - x),  s_m, e_m as in ReLU-KAN (trainable, shared by all inputs)
    quad1 = (x1·x2)^2 (default), quad2 = x1·x2 + x1^2 + x2^2, sum = x1 + x2, prod = x1·x2,
    sum_prod = x1 + x2 + x1·x2, cubic1 = (x1 + x2)(x1^2 + x2^2), cubic2 = (x1·x2)^3.
Deviation (on purpose): AF-KAN normalises the (B, in, G+k) tensor over the whole batch and collapses G+k by
attention; both make an edge's value depend on other samples/inputs, which breaks per-edge plots, pruning and
symbolic fits. We keep the plain features, divided by their value at the bell centre (σ=relu gives exactly
ReLU-KAN's peak-1 normalisation), and let the layer's single matmul combine them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError, UnknownNameError
from actlab.kan.basis import Basis, check_int, register_basis

COMBOS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "quad1": lambda a, b: (a * b) ** 2,
    "quad2": lambda a, b: a * b + a * a + b * b,
    "sum": lambda a, b: a + b,
    "prod": lambda a, b: a * b,
    "sum_prod": lambda a, b: a + b + a * b,
    "cubic1": lambda a, b: (a + b) * (a * a + b * b),
    "cubic2": lambda a, b: (a * b) ** 3,
}


@register_basis("af", aliases=("af_kan",), small={"grid": 2, "k": 2})
class AFBasis(Basis):
    """AF-KAN features comb(σ(x - s_m), σ(e_m - x)). Shape: (B, in) -> (B, in, G+k)."""

    default_bias = True
    per_input_free = True  # no per-input state: nodes can be removed

    def __init__(self, in_features: int, grid: int = 3, k: int = 3, grid_range: Sequence[float] = (-1.0, 1.0),
                 act: str = "silu", combine: str = "quad1"):
        super().__init__(in_features)
        g = check_int("grid", grid, 1, "af basis")
        k = check_int("k", k, 0, "af basis")
        lo, hi = (float(v) for v in grid_range)
        if not lo < hi:
            raise ParameterError(f"af basis: grid_range must satisfy lo < hi, got {tuple(grid_range)}")
        if combine not in COMBOS:
            raise UnknownNameError("AF-KAN combination", combine, COMBOS)
        import actlab

        self.act_name, self.combine = act, combine
        self.act = actlab.create(act)
        h = (hi - lo) / g
        s = lo + (torch.arange(g + k) - k) * h
        self.s, self.e = nn.Parameter(s), nn.Parameter(s + (k + 1) * h)
        self.num_features, self.G, self.k, self.lo, self.hi = g + k, g, k, lo, hi

    def basis_major(self, u: Tensor) -> Tensor:
        u = u.unsqueeze(1)  # (B, 1, in) against the (1, K, 1) bell ends
        s, e = self.s.to(u.dtype).view(1, -1, 1), self.e.to(u.dtype).view(1, -1, 1)
        f = COMBOS[self.combine]
        peak = f(self.act((e - s) / 2), self.act((e - s) / 2))
        return f(self.act(u - s), self.act(e - u)) / peak

    def input_range(self) -> tuple[Tensor, Tensor]:
        lo = torch.full((self.in_features,), self.lo)
        return lo, torch.full_like(lo, self.hi)

    def extra_repr(self) -> str:
        return f"grid={self.G}, k={self.k}, act={self.act_name!r}, combine={self.combine!r}"
