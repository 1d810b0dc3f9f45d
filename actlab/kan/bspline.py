"""B-spline basis with pykan semantics (Liu et al. 2024, arXiv 2404.19756; kan_learnable.md §1).

Edge function (the layer adds the base branch and the per-edge scales):
    φ(x) = scale_base·silu(x) + scale_sp·Σ_{m=0}^{G+k-1} c_m B_m(x)
The knot vector of each input has G+1 knots on ``grid_range`` plus k extra knots on either side at the same
spacing (G+2k+1 knots, G+k basis functions of order k). Basis values come from the Cox–de Boor recursion;
outside the extended grid every basis value is 0, so only the base branch remains there.
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from actlab.core.errors import ParameterError
from actlab.kan.basis import Basis, check_int, register_basis, uniform_centres
from actlab.kan.deboor import LevelTables, bspline_design, is_uniform


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


BACKENDS = ("fast", "eager", "compiled")


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
            from actlab.kan.matrix import compiled_matrix_basis

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


def fit_coef(feats: Tensor, values: Tensor) -> Tensor:
    """Least-squares coefficients per input (pykan's curve2coef).

    Shape: feats (N, in, K), values (N, in, out) -> coef (out, in, K) minimising Σ_n (feats·c - values)².
    """
    a = feats.permute(1, 0, 2)  # (in, N, K)
    y = values.permute(1, 0, 2)  # (in, N, out)
    sol = torch.linalg.lstsq(a, y, driver="gelsd" if a.device.type == "cpu" else None).solution  # (in, K, out)
    return sol.permute(2, 0, 1).contiguous()
