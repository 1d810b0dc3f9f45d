"""The "bspline" KAN basis: order-k B-splines with pykan semantics (Liu et al. 2024, arXiv 2404.19756;
kan_learnable.md §1).

Edge function (the layer adds the base branch and the per-edge scales):
    φ(x) = scale_base·silu(x) + scale_sp·Σ_{m=0}^{G+k-1} c_m B_m(x)
The knot vector of each input has G+1 knots on ``grid_range`` plus k extra knots on either side at the same
spacing (G+2k+1 knots, G+k basis functions of order k). Outside the extended grid every basis value is 0, so only
the base branch remains there. How the values are computed: `actlab.kan.bspline` (its docstring).
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, check_int, register_basis, uniform_centres
from actlab.kan.bspline.deboor import LevelTables, bspline_design, is_uniform
from actlab.kan.bspline.psi import compiled_matrix_basis
from actlab.kan.bspline.recursion import (adaptive_grid, bspline_basis, compiled_bspline_basis, extend_grid,
                                          fit_coef)

BACKENDS = ("fast", "eager", "compiled")


@register_basis("bspline", aliases=("b_spline", "spline"), small={"grid": 3})
class BSplineBasis(Basis):
    """Order-``k`` B-splines on ``grid`` intervals of ``grid_range`` per input; knots adapt to data.

    Args:
        grid: number of grid intervals G (>= 1); pykan's default is 3.
        k: spline order (degree), >= 0; cubic is 3.
        grid_range: (lo, hi) of the initial uniform grid.
        grid_eps: weight of the uniform grid in grid updates (0 = pure quantiles, 1 = uniform).
        noise_scale: pykan init: spline values U(-1/2, 1/2)·noise_scale/G at the knots, fitted by least squares.
        scale_base_mu, scale_base_sigma: base weight init mu/√in + sigma·U(-1, 1)/√in (pykan).
        backend: "fast" (default: the basis-major design built directly — cardinal form on uniform knots,
            Cox–de Boor after grid updates — with a closed-form backward, autograd-visible under create_graph
            so second derivatives work), "eager" (autograd through the Cox–de Boor recursion, slowest) or
            "compiled" (torch.compile of the branch-free uniform form, or of the recursion on non-uniform
            knots; first derivatives only).

    Shape: (B, in) -> (B, in, G+k).
    """

    default_base = "silu"
    uses_scale_sp = True

    def __init__(self, in_features: int, grid: int = 3, k: int = 3, grid_range: Sequence[float] = (-1.0, 1.0),
                 grid_eps: float = 0.02, noise_scale: float = 0.3, scale_base_mu: float = 0.0,
                 scale_base_sigma: float = 1.0, backend: str = "fast"):
        super().__init__(in_features)
        if backend not in BACKENDS:
            raise ParameterError(f"bspline basis: backend must be one of {', '.join(map(repr, BACKENDS))}, "
                                 f"got {backend!r}")
        self.backend = backend
        self.G = check_int("grid", grid, 1, "bspline basis")
        self.k = check_int("k", k, 0, "bspline basis")
        lo, hi = (float(v) for v in grid_range)
        if not lo < hi:
            raise ParameterError(f"bspline basis: grid_range must satisfy lo < hi, got {tuple(grid_range)}")
        if not 0.0 <= grid_eps <= 1.0:
            raise ParameterError(f"bspline basis: grid_eps must lie in [0, 1], got {grid_eps}")
        self.grid_eps, self.noise_scale = float(grid_eps), float(noise_scale)
        self.scale_base_mu, self.scale_base_sigma = float(scale_base_mu), float(scale_base_sigma)
        self.register_buffer("knots", extend_grid(uniform_centres(lo, hi, self.G + 1, in_features), self.k))
        self.num_features = self.G + self.k

    # -- evaluation -------------------------------------------------------------------------------
    def features(self, u: Tensor) -> Tensor:
        if self.backend == "fast":  # a view of the design matrix the layer multiplies
            return self.major(u).transpose(1, 2)
        knots = self.knots.to(u.dtype)
        if self.backend == "eager":
            return bspline_basis(u, knots, self.k)
        if self._knot_info(knots)[0]:
            return compiled_matrix_basis(u, knots, self.k)
        return compiled_bspline_basis(u, knots, self.k)

    def design(self, u: Tensor) -> tuple[Tensor, bool]:
        if self.backend != "fast" or type(self).features is not BSplineBasis.features:
            return super().design(u)
        knots = self.knots.to(u.dtype)
        uniform, table = self._knot_info(knots)
        return bspline_design(u, knots, self.k, table=table, uniform=uniform), True

    def _knot_info(self, knots: Tensor) -> tuple[bool, LevelTables | None]:
        """(uniform?, Cox–de Boor level tables), cached until the knots change (set_grid, load_state_dict, .to())."""
        key = (id(self.knots), self.knots.data_ptr(), self.knots._version, knots.dtype, knots.device, self.k)
        if getattr(self, "_info_key", None) != key:
            uniform = is_uniform(knots)
            self._info = (uniform, None if uniform else LevelTables(knots, self.k))
            self._info_key = key
        return self._info

    def input_range(self) -> tuple[Tensor, Tensor]:
        return self.knots[:, self.k].clone(), self.knots[:, -self.k - 1].clone()

    # -- init (pykan 0.2: noise at the knots, least-squares fitted) ---------------------------------
    def init_coef(self, coef: Tensor) -> None:
        out = coef.shape[0]
        with torch.no_grad():
            pts = self.knots[:, self.k: self.knots.shape[1] - self.k].T.to(coef.dtype)  # (G+1, in)
            noise = torch.rand(pts.shape[0], self.in_features, out, dtype=coef.dtype) - 0.5
            noise *= self.noise_scale / self.G
            coef.copy_(fit_coef(self.features(pts), noise))

    def init_base(self, weight: Tensor) -> None:
        n = self.in_features
        with torch.no_grad():
            weight.copy_(self.scale_base_mu / n ** 0.5
                         + self.scale_base_sigma * (torch.rand_like(weight) * 2 - 1) / n ** 0.5)

    # -- grid changes (the layer refits its coefficients afterwards) --------------------------------
    def set_grid(self, interior: Tensor) -> None:
        """Replace the knots by ``interior`` (in, G'+1) extended by k on each side; G becomes G'."""
        self.G = interior.shape[1] - 1
        self.num_features = self.G + self.k
        self.knots = extend_grid(interior.to(self.knots.dtype), self.k)
        self._info_key = None

    def adapted_grid(self, u: Tensor) -> Tensor:
        return adaptive_grid(u.detach(), self.G, self.grid_eps)

    def refined_grid(self, new_grid: int) -> Tensor:
        """Interior knots for G' = new_grid: piecewise-linear interpolation of the current interior knots
        (pykan 0.2 ``initialize_grid_from_parent``), so a multiple of G keeps every old knot."""
        new_grid = check_int("grid", new_grid, 1, "bspline refine")
        old = self.knots[:, self.k: self.knots.shape[1] - self.k]  # (in, G+1)
        pos = torch.linspace(0, self.G, new_grid + 1, dtype=old.dtype)
        i0 = pos.floor().long().clamp(max=self.G - 1)
        w = pos - i0
        return old[:, i0] * (1 - w) + old[:, i0 + 1] * w

    def select_inputs(self, idx: Tensor) -> None:
        self.knots = self.knots[idx].clone()
        self._info_key = None
        self.in_features = len(idx)

    def extra_repr(self) -> str:
        return f"in={self.in_features}, grid={self.G}, k={self.k}, grid_eps={self.grid_eps}" + \
            (f", backend={self.backend!r}" if self.backend != "fast" else "")
