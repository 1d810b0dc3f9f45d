"""Rational / Padé activation units (PAU) with a fused forward and a closed-form backward.

Safe Padé form (PAU "version A", KAT kernels):  F(x) = P(x) / Q(x),
    P(x) = a_0 + a_1 x + … + a_m x^m,      Q(x) = 1 + |b_1||x| + … + |b_n||x|^n   (Q ≥ 1: no poles).
Molina, Schramowski, Kersting, "Padé activation units", ICLR 2020, arXiv:1907.06732;
Yang & Wang, "Kolmogorov–Arnold Transformer", ICLR 2025, arXiv:2409.10594.

Closed-form gradients (with r = g/Q, F = P/Q, S(t) = Σ|b_k| t^k):
    ∂/∂x   = r·(P'(x) − F·sign(x)·S'(|x|))
    ∂/∂a_j = Σ r·x^j,        ∂/∂b_k = −sign(b_k)·Σ r·F·|x|^k
All polynomials are evaluated by Horner's rule. The autograd Function saves only x (plus the small
coefficient tensors) and recomputes P, Q in backward, so no per-coefficient graph is kept alive.
``sign(b_k)`` at b_k = 0 is taken as +1 (a valid subgradient of |b|) so zero-initialised denominators (the
identity init) can still learn; torch's own ``abs`` backward would return 0 there and freeze them.

The same Function serves GR-KAN (``grkan.py``): coefficients of shape (G, ·), one rational per group of
consecutive channels.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.autograd.function import once_differentiable

from actlab.core.errors import ParameterError, ShapeError
from actlab.core.registry import register
from actlab.core.spec import ActivationSpec, Props, Source
from actlab.learnable.fit import RationalFit, fit_rational

__all__ = ["Rational", "rational", "rational_reference", "RationalFunction"]


# --- the math, shared by the eager and compiled paths --------------------------------------------------------
def _col(c: torch.Tensor, j: int) -> torch.Tensor:
    return c[:, j, None]                                  # (G, 1): broadcasts against (N, G, K)


def _p_q(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, p: torch.Tensor | None = None
         ) -> tuple[torch.Tensor, torch.Tensor]:
    """P(x) (written into ``p`` when given) and Q(x), by Horner; each step is one fused pass (addcmul)."""
    m, n = a.shape[1] - 1, b.shape[1]
    p = torch.empty_like(x) if p is None else p
    if m == 0:
        p.copy_(_col(a, 0).expand_as(x))
    else:
        torch.addcmul(_col(a, m - 1), x, _col(a, m), out=p)
        for j in range(m - 2, -1, -1):
            torch.addcmul(_col(a, j), p, x, out=p)
    if n == 0:
        return p, torch.ones_like(x)
    # Q = 1 + |x|·(|b_1| + |x|·(|b_2| + … + |x|·|b_n|)), one fused pass per coefficient
    ab, ax = b.abs(), x.abs()
    one = torch.ones((), dtype=x.dtype, device=x.device)
    if n == 1:
        return p, torch.addcmul(one, ax, _col(ab, 0))
    q = torch.addcmul(_col(ab, n - 2), ax, _col(ab, n - 1))
    for k in range(n - 3, -1, -1):
        torch.addcmul(_col(ab, k), q, ax, out=q)
    return p, torch.addcmul(one, q, ax, out=q)


def _forward(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, out: torch.Tensor | None = None
             ) -> torch.Tensor:
    p, q = _p_q(x, a, b, out)
    return p.div_(q)


def _wsum(t: torch.Tensor, w: torch.Tensor | None = None) -> torch.Tensor:
    """Per-group Σ t (or Σ t·w) over dims (0, 2); one BLAS dot, no temporary, in the shared-rational case."""
    if w is None:
        return t.sum((0, 2))
    if t.shape[1] == 1 and t.is_contiguous() and w.is_contiguous():
        return torch.dot(t.reshape(-1), w.reshape(-1)).reshape(1)
    return (t * w).sum((0, 2))


def _moments(t: torch.Tensor, u: torch.Tensor, count: int) -> list[torch.Tensor]:
    """[Σ t·u^j for j < count]; two moments per in-place multiply by u² (t is a scratch buffer, mutated)."""
    u2 = u * u if count > 2 else None
    out: list[torch.Tensor] = []
    for j in range(0, count, 2):
        if j:
            t.mul_(u2)
        out.append(_wsum(t))
        if j + 1 < count:
            out.append(_wsum(t, u))
    return out


def _backward(g: torch.Tensor, x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, want_x: bool, want_a: bool,
              want_b: bool, gx: torch.Tensor | None = None
              ) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
    m, n = a.shape[1] - 1, b.shape[1]
    f, q = _p_q(x, a, b)
    f.div_(q)                                             # F = P/Q
    r = q.reciprocal_().mul_(g)                           # r = g/Q (reuses Q's buffer)
    ab, ax = b.abs(), (x.abs() if n > 0 else None)
    ga = gb = None
    if want_x:                                            # r·(P'(x) − F·sign(x)·S'(|x|)), both by Horner
        gx = torch.empty_like(x) if gx is None else gx
        if m == 0:
            gx.zero_()
        elif m == 1:
            gx.copy_(_col(a, 1).expand_as(x))
        else:
            torch.addcmul((m - 1) * _col(a, m - 1), x, m * _col(a, m), out=gx)
            for j in range(m - 2, 0, -1):
                torch.addcmul(j * _col(a, j), gx, x, out=gx)
        if n > 0:
            if n == 1:
                ds = _col(ab, 0) * x.sign()
            else:
                ds = torch.addcmul((n - 1) * _col(ab, n - 2), ax, n * _col(ab, n - 1))
                for k in range(n - 2, 0, -1):
                    torch.addcmul(k * _col(ab, k - 1), ds, ax, out=ds)
                ds.mul_(x.sign())
            torch.addcmul(gx, ds, f, value=-1, out=gx)
        gx.mul_(r)
    if want_b and n > 0:                                  # −sign(b_k)·Σ r·F·|x|^k, sign(0) := +1
        gb = torch.stack(_moments(f.mul_(r).mul_(ax), ax, n), 1)
        gb = torch.where(b >= 0, -gb, gb)
    elif want_b:
        gb = torch.zeros_like(b)
    if want_a:                                            # Σ r·x^j (r is no longer needed: mutate it)
        ga = torch.stack(_moments(r, x, m + 1), 1)
    return gx, ga, gb


# Horner needs ~m+n passes over the data; on CPU running them on L2-sized chunks keeps the data in cache
# (measured ~2x faster than whole-tensor passes for 4M floats, 1 thread); the compiled path fuses them instead.
_CHUNK = 1 << 18


def _chunks(t: torch.Tensor) -> list[torch.Tensor]:
    n, _g, k = t.shape
    if t.numel() <= 2 * _CHUNK:
        return [t]
    if n >= k:
        return list(t.split(max(1, _CHUNK // max(1, t[0].numel())), 0))
    return list(t.split(max(1, _CHUNK // max(1, n * t.shape[1])), 2))


def _forward_eager(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    out = torch.empty_like(x)
    for xc, oc in zip(_chunks(x), _chunks(out)):
        _forward(xc, a, b, oc)
    return out


def _backward_eager(g, x, a, b, want_x, want_a, want_b):
    gx = torch.empty_like(x) if want_x else None
    ga = gb = None
    xs = _chunks(x)
    gxs = _chunks(gx) if want_x else [None] * len(xs)
    for gc, xc, gxc in zip(_chunks(g), xs, gxs):
        _, dga, dgb = _backward(gc, xc, a, b, want_x, want_a, want_b, gx=gxc)
        ga = dga if ga is None else ga + dga
        gb = dgb if gb is None else gb + dgb
    return gx, ga, gb


_COMPILED: dict[str, Callable] = {}


def _kernels(compiled: bool) -> tuple[Callable, Callable]:
    if not compiled:
        return _forward_eager, _backward_eager
    if not _COMPILED:
        # inductor fuses each Horner chain (and the coefficient reductions) into one C++ loop;
        # kernels are cached on disk by torch, so the compile cost is paid once per machine
        _COMPILED["fwd"] = torch.compile(_forward, dynamic=True)
        _COMPILED["bwd"] = torch.compile(_backward, dynamic=True)
    return _COMPILED["fwd"], _COMPILED["bwd"]


class RationalFunction(torch.autograd.Function):
    """F(x) for x of shape (N, G, K) and coefficients a (G, m+1), b (G, n); saves only x, a, b."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, compiled: bool = False) -> torch.Tensor:
        ctx.save_for_backward(x, a, b)
        ctx.compiled = compiled
        return _kernels(compiled)[0](x, a, b)

    @staticmethod
    @once_differentiable   # the closed-form backward uses in-place/out= ops: no double backward, say so clearly
    def backward(ctx, g: torch.Tensor):
        x, a, b = ctx.saved_tensors
        want = ctx.needs_input_grad
        gx, ga, gb = _kernels(ctx.compiled)[1](g.contiguous(), x, a, b, want[0], want[1], want[2])
        return gx, ga, gb, None


def _grouped(x: torch.Tensor, groups: int, dim: int) -> torch.Tensor:
    """View x as (N, G, K) with G groups of consecutive channels along ``dim`` (no data movement)."""
    if groups == 1:
        return x.reshape(1, 1, -1)
    if x.dim() == 0:
        raise ShapeError(f"group rational needs a channel dimension, got a scalar input (groups={groups})")
    d = dim % x.dim()
    c = x.shape[d]
    if c % groups:
        raise ShapeError(f"group rational: {c} channels on dim {dim} of input {tuple(x.shape)} are not divisible "
                         f"by groups={groups}")
    return x.reshape(math.prod(x.shape[:d]), groups, (c // groups) * math.prod(x.shape[d + 1:]))


def rational(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor, dim: int = -1, backend: str = "eager"
             ) -> torch.Tensor:
    """Functional safe rational. a (m+1,), b (n,) for one shared rational, or a (G, m+1), b (G, n) for one
    rational per group of consecutive channels along ``dim``. Shape: (*) -> (*)."""
    if a.dim() == 1:
        a, b = a.unsqueeze(0), b.unsqueeze(0)
    if a.dim() != 2 or b.dim() != 2 or a.shape[0] != b.shape[0]:
        raise ShapeError(f"rational: coefficients must be (m+1,), (n,) or (G, m+1), (G, n); got a "
                         f"{tuple(a.shape)}, b {tuple(b.shape)}")
    if backend not in ("eager", "compiled"):
        raise ParameterError(f"rational: backend must be 'eager' or 'compiled', got {backend!r}")
    x3 = _grouped(x, a.shape[0], dim).contiguous()
    a, b = a.to(x.dtype), b.to(x.dtype)
    return RationalFunction.apply(x3, a, b, backend == "compiled").reshape(x.shape)


def rational_reference(x: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The naive composite (explicit powers, autograd through everything) — the tests' reference."""
    num = sum(a[j] * x ** j for j in range(a.numel()))
    den = 1 + sum(b[k - 1].abs() * x.abs() ** k for k in range(1, b.numel() + 1))
    return num / den


class Rational(nn.Module):
    r"""Padé activation unit F(x) = P(x)/(1 + Σ_k |b_k||x|^k) with learnable a (m+1,) and b (n,).

    Initialised by a least-squares fit of ``init`` (any elementwise zoo entry, or a torch callable) on
    ``interval``; the fit's max-abs error on a dense grid is ``fit_error`` (full record in ``fit``).
    ``init=None`` starts from the identity (a_1 = 1, all else 0).

    Shape: (*) -> (*). One rational shared by all elements (as in PAU); see ``GroupRational`` for groups.

    Example::
        >>> act = Rational()                      # (5, 4), leaky_relu on [-3, 3]
        >>> act.fit_error < 0.03
        True
    """

    def __init__(self, m: int = 5, n: int = 4, init: str | Callable[..., Any] | None = "leaky_relu",
                 interval: tuple[float, float] = (-3.0, 3.0), init_params: dict[str, float] | None = None,
                 backend: str = "eager"):
        super().__init__()
        a, b, self.fit = init_coefficients(m, n, init, interval, init_params)
        if backend not in ("eager", "compiled"):
            raise ParameterError(f"rational: backend must be 'eager' or 'compiled', got {backend!r}")
        self.m, self.n, self.backend = m, n, backend
        self.numerator = nn.Parameter(a)
        self.denominator = nn.Parameter(b)

    @property
    def fit_error(self) -> float:
        return self.fit.max_error if self.fit is not None else 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rational(x, self.numerator, self.denominator, backend=self.backend)

    def extra_repr(self) -> str:
        src = f"init={self.fit.target!r} on {list(self.fit.interval)}, fit_error={self.fit.max_error:.3g}" \
            if self.fit is not None else "init=identity"
        return f"m={self.m}, n={self.n}, {src}" + (f", backend={self.backend!r}" if self.backend != "eager" else "")


def init_coefficients(m: int, n: int, init: str | Callable[..., Any] | None, interval: tuple[float, float],
                      init_params: dict[str, float] | None = None
                      ) -> tuple[torch.Tensor, torch.Tensor, RationalFit | None]:
    """(a, b, fit) for a rational of order (m, n): identity for ``init`` None/"identity", else a LSQ fit."""
    if not (isinstance(m, int) and isinstance(n, int)) or m < 0 or n < 0:
        raise ParameterError(f"rational: order (m, n) must be integers >= 0; got ({m!r}, {n!r})")
    if init is None or (isinstance(init, str) and init == "identity" and not init_params):
        if m == 0:
            raise ParameterError("rational: init='identity' needs a numerator of degree m >= 1; with m = 0 "
                                 "initialise by a fit (init=<a zoo name>)")
        a = torch.zeros(m + 1)
        a[1] = 1.0
        return a, torch.zeros(n), None
    fit = fit_rational(init, m, n, interval, init_params)
    return torch.tensor(fit.a, dtype=torch.float32), torch.tensor(fit.b, dtype=torch.float32), fit


register(ActivationSpec(
    "rational", "learnable", "(a_0 + a_1x + … + a_m x^m) / (1 + |b_1||x| + … + |b_n||x|^n), default (m, n) = (5, 4)",
    Source("Padé activation units: end-to-end learning of flexible activation functions in deep networks",
           "Molina, Schramowski, Kersting", 2020, "1907.06732"), module=Rational, kind="layer", props=Props.of("C0"),
    aliases=("pau", "pade"),
    notes="create('rational', m=5, n=4, init=<any elementwise zoo name>, interval=(-3, 3)); fit_error = max-abs"))
