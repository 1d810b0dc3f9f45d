"""`KANLayer` (one design matrix, one matmul) and the `KAN` stack.

    y_j = Σ_i φ_{j,i}(u_i) + bias_j,   φ_{j,i}(u) = mask_{j,i}·(w_b[j,i]·base(u) + s[j,i]·Σ_m C[j,i,m]·b_m(u))

where u = basis.prepare(x) (the identity for most bases), b_m the basis features, w_b the residual base weight
(pykan's scale_base), s pykan's per-edge spline scale (bspline only). The fast path builds the (B, in, K)
feature tensor and does ONE matmul with the (out, in·K) coefficient matrix (plus one for the base branch);
recording (``layer.record = True`` or the `recording` context) keeps the per-edge activations (B, out, in)
for regularisation, plots, pruning and symbolic snapping (pykan always does the latter: it is why it is slow).
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from actlab.core.checks import check_input
from actlab.core.errors import ParameterError, ShapeError
from actlab.kan.basis import Basis, check_int, make_basis


@dataclass
class EdgeRecord:
    """What a recorded forward keeps. Shapes: u (B, in), numeric/edges (B, out, in), out (B, out).

    numeric: the basis + base-branch part of every edge (pykan's "postacts_numerical", what its regulariser
    penalises); edges: numeric + symbolic edges (what plots and pruning use)."""

    u: Tensor
    numeric: Tensor
    edges: Tensor
    out: Tensor


def _base_fn(base: str | None) -> tuple[str, Any]:
    if base is None or base in ("none", "zero", ""):
        return "none", None
    if base == "silu":
        return "silu", F.silu
    if base == "identity":
        return "identity", (lambda t: t)
    import actlab

    return base, actlab.create(base)


class KANLayer(nn.Module):
    """A Kolmogorov–Arnold layer: one learnable 1-D function per edge, from a chosen basis.

    Args:
        in_features, out_features: widths (>= 1).
        basis: a registered basis name (`actlab.kan.basis_names()`), or a built `Basis`.
        base: residual branch "silu" | "identity" | "none" | any zoo name; default: the basis' own default.
        bias: add a per-output bias (default: the basis' default).
        **basis_params: passed to the basis (e.g. ``grid=5, k=3`` for bspline).

    Shape: (*, in_features) -> (*, out_features).

    >>> layer = KANLayer(2, 3, basis="bspline", grid=5)
    >>> layer(torch.randn(10, 2)).shape
    torch.Size([10, 3])
    """

    def __init__(self, in_features: int, out_features: int, basis: str | Basis = "bspline",
                 base: str | None = "default", bias: bool | None = None, **basis_params: Any):
        super().__init__()
        self.in_features = check_int("in_features", in_features, 1, "KANLayer")
        self.out_features = check_int("out_features", out_features, 1, "KANLayer")
        self.basis = make_basis(basis, self.in_features, **basis_params)
        self.base_name, self.base_fn = _base_fn(self.basis.default_base if base == "default" else base)
        k = self.basis.num_features
        self.coef = nn.Parameter(torch.empty(out_features, in_features, k))
        self.basis.init_coef(self.coef)
        self.scale_sp = nn.Parameter(torch.full((out_features, in_features), 1 / in_features ** 0.5)) \
            if self.basis.uses_scale_sp else None
        self.scale_base = None
        if self.base_fn is not None:
            self.scale_base = nn.Parameter(torch.empty(out_features, in_features))
            init = getattr(self.basis, "init_base", None)
            if init is not None:
                init(self.scale_base)
            else:  # nn.Linear's default, as FastKAN's base Linear
                nn.init.kaiming_uniform_(self.scale_base, a=5 ** 0.5)
        use_bias = self.basis.default_bias if bias is None else bool(bias)
        self.bias = nn.Parameter(torch.zeros(out_features)) if use_bias else None
        self.register_buffer("mask", torch.ones(out_features, in_features))
        # per input, the range of (prepared) inputs in the last forward: refine() without data samples only the
        # grid, so it warns when the layer was last used outside it (not in state_dict)
        self.register_buffer("seen_lo", torch.full((in_features,), float("inf")), persistent=False)
        self.register_buffer("seen_hi", torch.full((in_features,), float("-inf")), persistent=False)
        self.symbolic: dict[tuple[int, int], Any] = {}  # (out j, in i) -> SymbolicEdge (see symbolic.py)
        self.sym_params = nn.ParameterDict()
        self.record = False
        self.last: EdgeRecord | None = None

    def __getstate__(self) -> dict[str, Any]:
        # the last record may hold autograd graphs (deepcopy/pickle refuse those); it is a cache anyway
        state = dict(super().__getstate__())
        state["last"] = None
        return state

    # -- weights ------------------------------------------------------------------------------------
    def edge_mask(self) -> Tensor:
        """(out, in): 1 where the edge is a live spline/basis edge (not pruned, not symbolic)."""
        if not self.symbolic:
            return self.mask
        m = self.mask.clone()
        for j, i in self.symbolic:
            m[j, i] = 0.0
        return m

    def spline_weight(self) -> Tensor:
        """(out, in, K) effective coefficients: C·s·mask."""
        m = self.edge_mask()
        if self.scale_sp is not None:
            m = m * self.scale_sp
        return self.coef * m.unsqueeze(-1)

    def base_weight(self) -> Tensor | None:
        return None if self.scale_base is None else self.scale_base * self.edge_mask()

    # -- forward ------------------------------------------------------------------------------------
    def forward(self, x: Tensor) -> Tensor:
        check_input(x, self)
        if x.shape[-1] != self.in_features:
            raise ShapeError(f"KANLayer expects inputs with last dimension in_features={self.in_features}, "
                             f"got shape {tuple(x.shape)}")
        lead = x.shape[:-1]
        x = x.reshape(-1, self.in_features)
        u = self.basis.prepare(x)
        if u.shape[0]:
            with torch.no_grad():
                self.seen_lo = u.detach().amin(0).to(self.seen_lo.dtype)
                self.seen_hi = u.detach().amax(0).to(self.seen_hi.dtype)
        if self.record:
            y = self._recorded(u, self.basis.features(u))  # (B, in, K)
        else:
            design, basis_major = self.basis.design(u)  # (B, in·K)
            w = self.spline_weight().to(design.dtype)  # (out, in, K)
            y = design @ (w.transpose(1, 2) if basis_major else w).reshape(self.out_features, -1).T
            if self.base_fn is not None:
                y = torch.addmm(y, self.base_fn(u), self.base_weight().T)
            if self.symbolic:  # a few snapped edges: add them one by one, no (B, out, in) tensor
                cols = [torch.zeros_like(y[:, 0])] * self.out_features
                for (j, i), edge in self.symbolic.items():
                    cols[j] = cols[j] + edge(u[:, i], self.sym_params[f"{j}_{i}"]) * self.mask[j, i]
                y = y + torch.stack(cols, dim=1)
            if self.bias is not None:
                y = y + self.bias
        return y.reshape(*lead, self.out_features)

    def _symbolic_out(self, u: Tensor) -> Tensor:
        """(B, out, in) outputs of the symbolic edges (zeros elsewhere)."""
        out = u.new_zeros(u.shape[0], self.out_features, self.in_features)
        for (j, i), edge in self.symbolic.items():
            out[:, j, i] = edge(u[:, i], self.sym_params[f"{j}_{i}"]) * self.mask[j, i]
        return out

    def _recorded(self, u: Tensor, feats: Tensor) -> Tensor:
        numeric = torch.einsum("bik,oik->boi", feats, self.spline_weight().to(feats.dtype))
        if self.base_fn is not None:
            numeric = numeric + self.base_fn(u).unsqueeze(1) * self.base_weight()
        edges = numeric
        if self.symbolic:
            edges = edges + self._symbolic_out(u)
        y = edges.sum(-1)
        if self.bias is not None:
            y = y + self.bias
        self.last = EdgeRecord(u=u, numeric=numeric, edges=edges, out=y)
        return y

    def edge_values(self, u: Tensor) -> Tensor:
        """(N, out, in) value of every edge function at prepared inputs ``u`` (N, in); for plots and fits."""
        with torch.no_grad():
            feats = self.basis.features(u)
            edges = torch.einsum("bik,oik->boi", feats, self.spline_weight().to(feats.dtype))
            if self.base_fn is not None:
                edges = edges + self.base_fn(u).unsqueeze(1) * self.base_weight()
            if self.symbolic:
                edges = edges + self._symbolic_out(u)
        return edges

    # -- grids ---------------------------------------------------------------------------------------
    def _regrid(self, new_interior: Tensor, u: Tensor) -> None:
        """Move the basis to new knots and refit C by least squares so each edge's basis part is unchanged
        on the samples ``u`` (N, in)."""
        from actlab.kan.bspline.recursion import fit_coef

        with torch.no_grad():
            old = torch.einsum("bik,oik->bio", self.basis.features(u), self.coef)  # (N, in, out), without s
            self.basis.set_grid(new_interior)
            self.coef = nn.Parameter(fit_coef(self.basis.features(u), old).to(self.coef.dtype))

    def _need_grid(self, what: str) -> None:
        if not hasattr(self.basis, "set_grid"):
            raise ParameterError(f"{what} needs a basis with an adaptive grid (bspline); "
                                 f"this layer's basis is {self.basis.name!r}")

    def update_grid(self, x: Tensor) -> None:
        """pykan grid update: knots from sample quantiles mixed with a uniform grid, coefficients refitted."""
        self._need_grid("update_grid")
        with torch.no_grad():
            u = self.basis.prepare(x.reshape(-1, self.in_features))
            self._regrid(self.basis.adapted_grid(u), u)

    def seen_range(self) -> tuple[Tensor, Tensor] | None:
        """Per input, the (min, max) of the prepared inputs of this layer's last forward; None before any."""
        if not bool(torch.isfinite(self.seen_lo).all()):
            return None
        return self.seen_lo.clone(), self.seen_hi.clone()

    def outside_grid(self) -> list[tuple[int, float, float, float, float]]:
        """Inputs whose seen range leaves the grid: (input i, seen lo, seen hi, grid lo, grid hi)."""
        seen = self.seen_range()
        if seen is None or not hasattr(self.basis, "input_range"):
            return []
        lo, hi = (t.to(seen[0].dtype) for t in self.basis.input_range())
        tol = 1e-6 * (hi - lo)
        bad = ((seen[0] < lo - tol) | (seen[1] > hi + tol)).nonzero().flatten().tolist()
        return [(i, float(seen[0][i]), float(seen[1][i]), float(lo[i]), float(hi[i])) for i in bad]

    def refine(self, new_grid: int, x: Tensor | None = None, *, stacklevel: int = 2) -> None:
        """Grid extension G -> new_grid by least squares; the function is preserved inside the grid (exactly
        when new_grid is a multiple of G). Samples: ``x`` if given, else 64 per new interval per input.

        Outside the grid a finer grid's k extension knots reach less far, so samples there cannot be matched (as in
        pykan); a warning says so: with ``x``, how many samples lie outside; without, which inputs of this layer's
        last forward left its grid (the layer keeps that range) — `update_grid(x)` first moves the grid
        onto the data."""
        self._need_grid("refine")
        with torch.no_grad():
            if x is not None:
                u = self.basis.prepare(x.reshape(-1, self.in_features))
                lo, hi = (t.to(u.dtype) for t in self.basis.input_range())
                tol = 1e-6 * (hi - lo)  # samples on the boundary (grid updates put the extremes there) are inside
                outside = ((u < lo - tol) | (u > hi + tol)).any(1).float().mean().item()
                if outside > 0:
                    warnings.warn(f"refine: {outside:.1%} of the samples lie outside this layer's grid, where the "
                                  f"refined function cannot match the old one; call update_grid(x) first to "
                                  f"move the grid onto the data", stacklevel=stacklevel)
            else:
                bad = self.outside_grid()
                if bad:
                    i, a, b, glo, ghi = bad[0]
                    warnings.warn(f"refine: this layer's last inputs left its grid ({len(bad)} of "
                                  f"{self.in_features} inputs; input {i} ranged over [{a:.3g}, {b:.3g}], grid "
                                  f"[{glo:.3g}, {ghi:.3g}]); refine without data only keeps the function inside "
                                  "the grid, so outputs on those inputs change. Call update_grid(x) (or refine(n, "
                                  "x)) with your data first", stacklevel=stacklevel)
                lo, hi = self.basis.input_range()
                n = 64 * max(int(new_grid), 1) + 1
                t = torch.linspace(0, 1, n, dtype=self.coef.dtype).unsqueeze(1)
                u = lo.to(t.dtype) + t * (hi - lo).to(t.dtype)
            self._regrid(self.basis.refined_grid(new_grid), u)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, basis={self.basis.name!r}, "
                f"base={self.base_name!r}, bias={self.bias is not None}")


class KAN(nn.Module):
    """A stack of `KANLayer` s, widths ``[n_0, n_1, ..., n_L]``; every layer gets the same options.

    Args:
        widths: layer widths, at least two entries, each >= 1.
        basis, base, bias, **basis_params: as for `KANLayer`.
        seed: seeds torch before the layers are initialised (pykan seeds by default; we only when asked).

    Shape: (*, n_0) -> (*, n_L).
    """

    def __init__(self, widths: Sequence[int], basis: str | Basis = "bspline", seed: int | None = None,
                 **opts: Any):
        super().__init__()
        if isinstance(widths, int | str) or len(widths) < 2:
            raise ParameterError(f"KAN widths must be a list of at least two layer widths, got {widths!r}")
        self.widths = [check_int(f"widths[{i}]", w, 1, "KAN") for i, w in enumerate(widths)]
        if not isinstance(basis, str):
            raise ParameterError("KAN builds one basis per layer, so basis must be a name; "
                                 "stack KANLayer's yourself to use built Basis instances")
        if seed is not None:
            torch.manual_seed(seed)
        self.build_opts = {"basis": basis, **opts}
        self.layers = nn.ModuleList(KANLayer(a, b, basis=basis, **opts) for a, b in zip(self.widths, self.widths[1:]))

    def forward(self, x: Tensor) -> Tensor:
        for layer in self.layers:
            x = layer(x)
        return x

    @contextlib.contextmanager
    def recording(self) -> Iterator[KAN]:
        """Within the block every layer records its per-edge activations (``layer.last``)."""
        old = [layer.record for layer in self.layers]
        for layer in self.layers:
            layer.record = True
        try:
            yield self
        finally:
            for layer, r in zip(self.layers, old):
                layer.record = r

    def record_pass(self, x: Tensor) -> Tensor:
        """One forward with recording on; returns the output and leaves ``layer.last`` set."""
        with self.recording():
            return self(x)

    def update_grid(self, x: Tensor) -> None:
        """Grid update of every layer from the activations that reach it on ``x``."""
        with torch.no_grad():
            for layer in self.layers:
                layer.update_grid(x)
                x = layer(x)

    def refine(self, new_grid: int, x: Tensor | None = None) -> KAN:
        """Grid extension of every layer (in place; returns self). With ``x``, layer inputs on x are the
        least-squares samples (as pykan); without, dense samples inside each grid — the function is kept where
        the layers' last inputs stayed inside their grids, and a warning names any layer whose inputs did not."""
        with torch.no_grad():
            for layer in self.layers:
                layer.refine(new_grid, x, stacklevel=3)
                if x is not None:
                    x = layer(x)
        return self

    def regularization(self, lamb_l1: float = 1.0, lamb_entropy: float = 2.0, lamb_coef: float = 0.0,
                       lamb_coefdiff: float = 0.0) -> Tensor:
        """pykan's regulariser (reg_metric 'edge_forward_spline_n') from the last recorded pass:
        per edge v = std_batch(numeric edge: basis + base branch, not symbolic) / (std_batch(input) + 0.1); per layer
        lamb_l1·Σv + lamb_entropy·(H_row + H_col), p = v/(row or column sum + 1), H in bits (+1e-4 in log),
        plus lamb_coef·Σ_in mean|C| and lamb_coefdiff·Σ_in mean|ΔC|."""
        reg = torch.zeros(())
        for layer in self.layers:
            if layer.last is None:
                raise ParameterError("regularization needs a recorded forward first (model.record_pass(x))")
            rec = layer.last
            v = rec.numeric.std(0) / (rec.u.std(0) + 0.1)  # (out, in)
            p_row = v / (v.sum(1, keepdim=True) + 1)
            p_col = v / (v.sum(0, keepdim=True) + 1)
            h_row = -(p_row * torch.log2(p_row + 1e-4)).sum(1).mean()
            h_col = -(p_col * torch.log2(p_col + 1e-4)).sum(0).mean()
            reg = reg + lamb_l1 * v.sum() + lamb_entropy * (h_row + h_col)
            if lamb_coef:
                reg = reg + lamb_coef * layer.coef.abs().mean(0).sum()
            if lamb_coefdiff:
                reg = reg + lamb_coefdiff * layer.coef.diff(dim=-1).abs().mean(0).sum()
        return reg

    def extra_repr(self) -> str:
        return f"widths={self.widths}"
