"""The reference B-spline evaluation and the grid operations (pykan semantics; kan_learnable.md §1).

`bspline_basis`: Cox–de Boor with autograd through every level, (B, in) -> (B, in, n-1-k): the reference the fast
paths are tested against, and the basis' ``backend="eager"``. `extend_grid` adds k knots on each side,
`adaptive_grid` is pykan's grid update, `fit_coef` the least-squares coefficient fit (pykan's curve2coef).
"""
from __future__ import annotations

import torch
from torch import Tensor


def extend_grid(grid: Tensor, k: int) -> Tensor:
    """(in, G+1) interior knots -> (in, G+2k+1): k more knots each side at the mean spacing (pykan)."""
    h = (grid[:, -1:] - grid[:, :1]) / (grid.shape[1] - 1)
    steps = torch.arange(1, k + 1, dtype=grid.dtype, device=grid.device)
    left = grid[:, :1] - h * steps.flip(0)
    right = grid[:, -1:] + h * steps
    return torch.cat([left, grid, right], dim=1)


def _inv(den: Tensor) -> Tensor:
    # repeated knots (after a grid update on tied samples) give 0/0; the B-spline convention is 0
    return torch.where(den == 0, torch.zeros_like(den), 1 / torch.where(den == 0, torch.ones_like(den), den))


def bspline_basis(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """B-spline basis values by Cox–de Boor.

    Shape: x (B, in), knots (in, n) -> (B, in, n-1-k).
    Order 0: B_{m,0}(x) = 1 if t_m <= x < t_{m+1}; order p:
    B_{m,p} = (x - t_m)/(t_{m+p} - t_m)·B_{m,p-1} + (t_{m+p+1} - x)/(t_{m+p+1} - t_{m+1})·B_{m+1,p-1}.
    The reciprocal knot differences depend on the knots only, so they are formed once per level on the
    small (in, n) tensor rather than divided per sample.
    """
    x = x.unsqueeze(-1)
    t = knots
    step = (x >= t).to(x.dtype)  # [t_m <= x] - [t_{m+1} <= x] is the order-0 indicator (knots non-decreasing)
    b = step[..., :-1] - step[..., 1:]
    for p in range(1, k + 1):
        r1 = _inv(t[:, p:-1] - t[:, : -(p + 1)])
        r2 = _inv(t[:, p + 1:] - t[:, 1:-p])
        left = torch.addcmul(-t[:, : -(p + 1)] * r1, x, r1)  # (x - t_m)/(t_{m+p} - t_m) in one pass
        right = torch.addcmul(t[:, p + 1:] * r2, x, -r2)  # (t_{m+p+1} - x)/(t_{m+p+1} - t_{m+1})
        b = torch.addcmul(left * b[..., :-1], right, b[..., 1:])
    return b


_COMPILED: dict[str, object] = {}


def compiled_bspline_basis(x: Tensor, knots: Tensor, k: int) -> Tensor:
    """`bspline_basis` through torch.compile (inductor fuses the recursion into one kernel; ~10× faster on CPU
    here). Compiled once per process on first use (seconds); no double backward through it."""
    if "fn" not in _COMPILED:
        _COMPILED["fn"] = torch.compile(bspline_basis, dynamic=True)
    return _COMPILED["fn"](x, knots, k)  # type: ignore[operator]


def adaptive_grid(x: Tensor, num: int, grid_eps: float, min_span: float = 1e-3) -> Tensor:
    """pykan's grid update: (1-grid_eps)·sample quantiles + grid_eps·uniform knots on [min, max].

    Shape: x (B, in) -> (in, num+1) interior knots.
    Guard (ours, not pykan's): an input whose samples span less than ``min_span`` (a nearly dead node) gets
    uniform knots on [mid - min_span/2, mid + min_span/2]. Quantile knots 1e-10 apart make the loss jump when
    the node moves by 1e-10, and LBFGS then stalls (seen on the hellokan run after refine).
    """
    xs = torch.sort(x, dim=0).values
    batch = xs.shape[0]
    ids = [int(batch / num * i) for i in range(num)] + [-1]
    adaptive = xs[ids, :].T
    h = (adaptive[:, -1:] - adaptive[:, :1]) / num
    steps = torch.arange(num + 1, dtype=x.dtype, device=x.device)
    uniform = adaptive[:, :1] + h * steps
    grid = grid_eps * uniform + (1 - grid_eps) * adaptive
    narrow = (adaptive[:, -1] - adaptive[:, 0]) < min_span
    if narrow.any():
        mid = (adaptive[:, :1] + adaptive[:, -1:]) / 2
        wide = mid - min_span / 2 + (min_span / num) * steps
        grid = torch.where(narrow.unsqueeze(1), wide, grid)
    return grid



def fit_coef(feats: Tensor, values: Tensor) -> Tensor:
    """Least-squares coefficients per input (pykan's curve2coef).

    Shape: feats (N, in, K), values (N, in, out) -> coef (out, in, K) minimising Σ_n (feats·c - values)².
    """
    a = feats.permute(1, 0, 2)  # (in, N, K)
    y = values.permute(1, 0, 2)  # (in, N, out)
    sol = torch.linalg.lstsq(a, y, driver="gelsd" if a.device.type == "cpu" else None).solution  # (in, K, out)
    return sol.permute(2, 0, 1).contiguous()
