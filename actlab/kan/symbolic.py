"""Symbolic snapping of KAN edges (pykan ``fix_symbolic``/``auto_symbolic``; kan_learnable.md §1.5).

An edge φ is matched to a library function f by the affine fit  φ(x) ≈ a·f(b·x + c) + d
(pykan writes c·f(a·x + b) + d): (b, c) by a 101×101 grid search on [-10, 10]² maximising R² (squared
correlation of f(b·x + c) with φ), zoomed in 3 times; then (a, d) by linear least squares; then (unlike
pykan) a short LBFGS polish of all four on the squared error, kept only if it improves the fit.
Candidates are ranked by pykan's score  weight_simple·complexity + (1 - weight_simple)·log2(1 + 1e-5 - R²).
The library holds pykan's basic functions (with sympy forms) and accepts any zoo activation by name.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp
import torch
from torch import Tensor, nn

from actlab.core.elementary import ELEMENTARY
from actlab.core.errors import ParameterError, UnknownNameError
from actlab.kan.layer import KAN

X = sp.Symbol("x", real=True)


@dataclass(frozen=True)
class LibFn:
    """A library entry: torch function, sympy function of one expression, complexity (pykan's)."""

    name: str
    fn: Callable[[Tensor], Tensor]
    sym: Callable[[sp.Expr], sp.Expr]
    complexity: int


def _lib() -> dict[str, LibFn]:
    """pykan's library, from the shared vocabulary of elementary functions (exact torch functions, pykan's
    complexity scores)."""
    return {e.name: LibFn(e.name, e.torch, e.sympy, e.complexity) for e in ELEMENTARY.values() if e.library}


LIBRARY: dict[str, LibFn] = _lib()
DEFAULT_LIBRARY = ("x", "x^2", "x^3", "x^4", "exp", "log", "sqrt", "tanh", "sin", "abs")


def library_fn(name: str) -> LibFn:
    """A library entry by name; names outside the basic library are looked up in the activation zoo."""
    if name in LIBRARY:
        return LIBRARY[name]
    import actlab
    from actlab.core.errors import UnknownNameError as _U

    try:
        spec = actlab.get(name)
    except _U:
        raise UnknownNameError("symbolic function", name, list(LIBRARY) + actlab.names()) from None
    if spec.fn is None or spec.sympy is None:
        raise ParameterError(f"zoo entry {name!r} has no elementwise function with a sympy form")
    f = actlab.functional(name)
    expr = spec.expr()
    return LibFn(spec.name, lambda t: f(t), lambda z: expr.subs(sp.Symbol("x", real=True), z), 3)


@dataclass(frozen=True)
class SymbolicFit:
    """φ(x) ≈ a·f(b·x + c) + d with its R² and pykan-style score (lower is better)."""

    name: str
    a: float
    b: float
    c: float
    d: float
    r2: float
    score: float

    def expr(self, x: sp.Expr = X) -> sp.Expr:
        f = library_fn(self.name).sym
        return sp.Float(self.a) * f(sp.Float(self.b) * x + sp.Float(self.c)) + sp.Float(self.d)


def _r2(pred: Tensor, y: Tensor) -> Tensor:
    """Squared correlation of each row of pred (M, N) with y (N,); non-finite rows get 0."""
    pc = pred - pred.mean(-1, keepdim=True)
    yc = y - y.mean()
    num = (pc * yc).sum(-1) ** 2
    den = (pc ** 2).sum(-1) * (yc ** 2).sum()
    r2 = num / (den + 1e-30)
    return torch.where(torch.isfinite(r2) & torch.isfinite(pred).all(-1), r2, torch.zeros_like(r2))


def fit_affine(x: Tensor, y: Tensor, name: str, span: float = 10.0, num: int = 101, iters: int = 3,
               weight_simple: float = 0.8) -> SymbolicFit:
    """Best a·f(b·x + c) + d for samples (x, y) (1-D tensors) and the library function ``name``."""
    lib = library_fn(name)
    x, y = x.detach().double().flatten(), y.detach().double().flatten()
    # the grid search only ranks (b, c): ~100 samples spread over the sorted inputs are plenty
    order = torch.argsort(x)[torch.linspace(0, len(x) - 1, min(len(x), 100)).long()]
    xs, ys = x[order], y[order]
    bc = (torch.zeros(()), torch.zeros(()))
    wb = wc = span
    for _ in range(iters):
        bs = torch.linspace(float(bc[0]) - wb, float(bc[0]) + wb, num, dtype=x.dtype)
        cs = torch.linspace(float(bc[1]) - wc, float(bc[1]) + wc, num, dtype=x.dtype)
        bb, cc = torch.meshgrid(bs, cs, indexing="ij")
        with torch.no_grad():
            r2 = _r2(lib.fn(bb.reshape(-1, 1) * xs + cc.reshape(-1, 1)), ys)
        best = int(torch.argmax(r2))
        bc = (bb.reshape(-1)[best], cc.reshape(-1)[best])
        # zoom to ±5 grid steps (pykan: ±1): R² ridges are flat and the best coarse point may sit off-ridge
        wb, wc = 10 * wb / (num - 1), 10 * wc / (num - 1)
    b, c = float(bc[0]), float(bc[1])
    fx = lib.fn(b * x + c)
    design = torch.stack([fx, torch.ones_like(fx)], dim=1)
    if not torch.isfinite(fx).all():
        return SymbolicFit(lib.name, 0.0, b, c, float(y.mean()), 0.0, math.inf)
    a, d = torch.linalg.lstsq(design, y.unsqueeze(1)).solution.flatten().tolist()
    a, b, c, d = _polish(lib.fn, x, y, (a, b, c, d))
    fx = lib.fn(b * x + c)
    r2v = float(_r2(fx.unsqueeze(0), y)[0])
    score = weight_simple * lib.complexity + (1 - weight_simple) * math.log2(1 + 1e-5 - min(r2v, 1.0))
    return SymbolicFit(lib.name, a, b, c, d, r2v, score)


def _polish(fn: Callable[[Tensor], Tensor], x: Tensor, y: Tensor, p0: tuple[float, ...]) -> tuple[float, ...]:
    """A few LBFGS steps on the squared error of a·f(b·x + c) + d from the grid-search start; the start is
    kept if the polish does not improve it (or leaves f's domain)."""
    p = torch.tensor(p0, dtype=torch.float64, requires_grad=True)

    def loss() -> Tensor:
        return torch.mean((p[0] * fn(p[1] * x + p[2]) + p[3] - y) ** 2)

    with torch.no_grad():
        start = float(loss())
    opt = torch.optim.LBFGS([p], lr=1.0, max_iter=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        val = loss()
        val.backward()
        return val

    try:
        opt.step(closure)
    except RuntimeError:
        return p0
    with torch.no_grad():
        end = float(loss())
    return tuple(p.detach().tolist()) if math.isfinite(end) and end < start else p0


class SymbolicEdge:
    """A snapped edge: a·f(b·u + c) + d with trainable (a, b, c, d) stored in ``layer.sym_params``."""

    def __init__(self, name: str):
        self.name = name
        self.fn = library_fn(name).fn

    def __call__(self, u: Tensor, p: Tensor) -> Tensor:
        return p[0] * self.fn(p[1] * u + p[2]) + p[3]


def edge_samples(model: KAN, l: int, i: int, j: int, x: Tensor | None = None, n: int = 201) -> tuple[Tensor, Tensor]:
    """(inputs, values) of edge (l, i -> j): from a recorded pass on ``x`` or on a grid over the basis range."""
    layer = _layer(model, l, i, j)
    if x is not None:
        with torch.no_grad():
            model.record_pass(x)
        return layer.last.u[:, i].detach(), layer.last.edges[:, j, i].detach()
    lo, hi = layer.basis.input_range()
    t = torch.linspace(0, 1, n, dtype=layer.coef.dtype).unsqueeze(1)
    u = lo.to(t.dtype) + t * (hi - lo).to(t.dtype)
    return u[:, i], layer.edge_values(u)[:, j, i]


def _layer(model: KAN, l: int, i: int, j: int):
    if not 0 <= l < len(model.layers):
        raise ParameterError(f"layer index l={l} out of range [0, {len(model.layers) - 1}]")
    layer = model.layers[l]
    if not (0 <= i < layer.in_features and 0 <= j < layer.out_features):
        raise ParameterError(f"edge ({i} -> {j}) out of range for layer {l} of shape "
                             f"{layer.in_features} -> {layer.out_features}")
    return layer


def suggest_symbolic(model: KAN, l: int, i: int, j: int, x: Tensor | None = None,
                     library: Sequence[str] = DEFAULT_LIBRARY, weight_simple: float = 0.8) -> list[SymbolicFit]:
    """Every library candidate fitted to edge (l, i -> j), best (lowest score) first."""
    u, v = edge_samples(model, l, i, j, x)
    fits = [fit_affine(u, v, name, weight_simple=weight_simple) for name in library]
    return sorted(fits, key=lambda f: f.score)


def fix_symbolic(model: KAN, l: int, i: int, j: int, name: str, x: Tensor | None = None) -> SymbolicFit:
    """Replace edge (l, i -> j) by its best affine fit of library function ``name``; returns the fit."""
    u, v = edge_samples(model, l, i, j, x)
    f = fit_affine(u, v, name)
    layer = model.layers[l]
    layer.symbolic[(j, i)] = SymbolicEdge(f.name)
    layer.sym_params[f"{j}_{i}"] = nn.Parameter(torch.tensor([f.a, f.b, f.c, f.d], dtype=layer.coef.dtype))
    return f


def auto_symbolic(model: KAN, x: Tensor | None = None, library: Sequence[str] = DEFAULT_LIBRARY,
                  weight_simple: float = 0.8, r2_threshold: float = 0.0) -> dict[tuple[int, int, int], SymbolicFit]:
    """Snap every live, not yet symbolic edge to its best-scoring library function (if R² >= threshold)."""
    out = {}
    for l, layer in enumerate(model.layers):
        for j in range(layer.out_features):
            for i in range(layer.in_features):
                if layer.mask[j, i] == 0 or (j, i) in layer.symbolic:
                    continue
                best = suggest_symbolic(model, l, i, j, x, library, weight_simple)[0]
                if best.r2 >= r2_threshold:
                    out[(l, i, j)] = fix_symbolic(model, l, i, j, best.name, x)
    return out


def symbolic_formula(model: KAN, digits: int = 4) -> list[sp.Expr]:
    """Closed forms of the outputs in x_1..x_n once every live edge is symbolic (masked edges count as 0)."""
    xs: list[sp.Expr] = list(sp.symbols(f"x_1:{model.widths[0] + 1}", real=True))
    for l, layer in enumerate(model.layers):
        outs = []
        for j in range(layer.out_features):
            acc = sp.Float(layer.bias[j].detach().item()) if layer.bias is not None else sp.Integer(0)
            for i in range(layer.in_features):
                if layer.mask[j, i] == 0:
                    continue
                if (j, i) not in layer.symbolic:
                    raise ParameterError(f"edge (layer {l}, {i} -> {j}) is still a spline; snap it first "
                                         "(fix_symbolic / auto_symbolic) or prune it")
                a, b, c, d = layer.sym_params[f"{j}_{i}"].detach().tolist()
                f = library_fn(layer.symbolic[(j, i)].name).sym
                acc = acc + sp.Float(a) * f(sp.Float(b) * xs[i] + sp.Float(c)) + sp.Float(d)
            outs.append(acc)
        xs = outs
    return [sp.N(e, digits) for e in xs]
