"""Gaussian expectations of an activation by split Gauss–Legendre quadrature (shared by `signal`, `kernels`)."""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from actlab.core.errors import ParameterError
from actlab.core.registry import create, get

TorchFn = Callable[[torch.Tensor], torch.Tensor]


def resolve(act: Any, **params: Any) -> TorchFn:
    """An elementwise torch function for a registered name, an ``nn.Module`` or a plain callable.

    Learnable layers are built once with `actlab.create` (their initial parameters define the function).
    Gated and row-wise units mix coordinates, so mean-field formulas for one unit do not apply: they raise.
    """
    if isinstance(act, str):
        spec = get(act)
        if spec.kind not in ("elementwise", "layer"):
            raise ParameterError(f"act: {spec.name} is {spec.kind}, not elementwise; mean-field maps need a "
                                 "function of one pre-activation")
        if spec.fn is not None:
            f = spec.fn
            kw = spec.bind(params, extra=())
            return lambda t: f(t, **kw)
        act = create(act, **params)  # a layer missing constructor arguments (evonorm) raises a ParameterError
    if isinstance(act, torch.nn.Module):
        mod = act.double()
        return lambda t: mod(t)
    if callable(act):
        return act
    raise ParameterError(f"act: expected an activation name, module or callable, got {type(act).__name__}")


def apply(fn: TorchFn, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return fn(torch.as_tensor(x, dtype=torch.float64)).detach().numpy()


def derivative(fn: TorchFn, x: np.ndarray) -> np.ndarray:
    """φ′(x) by autograd (elementwise, so the gradient of the sum is the derivative)."""
    t = torch.as_tensor(x, dtype=torch.float64).clone().requires_grad_(True)
    (g,) = torch.autograd.grad(fn(t).sum(), t)
    return g.detach().numpy()


Z_MAX = 10.0  # the normal tail beyond 10 sd holds ~1e-23 of the mass


@lru_cache(maxsize=8)
def _legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    if n < 2:
        raise ParameterError(f"n_quad must be >= 2, got {n}")
    return np.polynomial.legendre.leggauss(n)


def normal_nodes(loc: np.ndarray | float, scale: np.ndarray | float, n: int = 100
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Nodes x and weights w with Σ w g(x) ≈ E[g(X)], X ~ N(loc, scale²), vectorised over loc/scale.

    Gauss–Hermite converges slowly for kinked activations (ReLU, SELU, hard units, all kinked at 0), so we
    integrate the normal density with Gauss–Legendre on [−10, z₀] and [z₀, 10] in z, split where the argument
    crosses 0 (z₀ = −loc/scale): each piece is then smooth and the rule is accurate to ~1e-12 for them.
    Shapes: loc, scale broadcast to (m,); returns x, w of shape (m, 2n).
    """
    t, wt = _legendre(n)
    loc, scale = np.broadcast_arrays(np.atleast_1d(np.asarray(loc, float)), np.atleast_1d(np.asarray(scale, float)))
    safe = np.where(scale > 0, scale, 1.0)
    z0 = np.clip(np.where(scale > 0, -loc / safe, 0.0), -Z_MAX, Z_MAX)[:, None]
    half_l, half_r = (z0 + Z_MAX) / 2, (Z_MAX - z0) / 2
    z = np.concatenate([-Z_MAX + half_l * (t + 1), z0 + half_r * (t + 1)], axis=1)
    w = np.concatenate([half_l * wt, half_r * wt], axis=1) * np.exp(-z**2 / 2) / np.sqrt(2 * np.pi)
    return loc[:, None] + scale[:, None] * z, w


def expect(fn: TorchFn, loc: np.ndarray | float, scale: np.ndarray | float, n: int = 100,
           power: int = 1, deriv: bool = False) -> np.ndarray:
    """E[g(X)^power] for X ~ N(loc, scale²), g = φ or φ′ (``deriv``); shape of the broadcast loc/scale."""
    x, w = normal_nodes(loc, scale, n)
    g = derivative(fn, x) if deriv else apply(fn, x)
    return (g**power * w).sum(1)


def expect_pair(fn: TorchFn, rho: np.ndarray | float, scale: float = 1.0, n: int = 60, deriv: bool = False
                ) -> np.ndarray:
    """E[g(U) g(V)] with U, V ~ N(0, scale²), corr(U, V) = rho, g = φ or φ′; vectorised over rho.

    Nested rule: U on split Legendre nodes, then V | U ~ N(rho U, scale²(1 − rho²)) on its own split nodes.
    """
    rho = np.atleast_1d(np.asarray(rho, dtype=np.float64))
    if np.any(np.abs(rho) > 1):
        raise ParameterError(f"rho must lie in [-1, 1], got values up to {np.abs(rho).max():g}")
    g = (lambda a: derivative(fn, a)) if deriv else (lambda a: apply(fn, a))
    u, wu = normal_nodes(0.0, scale, n)                       # (1, 2n)
    gu = g(u)[0]
    out = np.empty(len(rho))
    for i, r in enumerate(rho):
        if abs(r) == 1.0:                                     # V = ±U exactly
            out[i] = float((gu * g(r * u)[0] * wu[0]).sum())
            continue
        v, wv = normal_nodes(r * u[0], scale * np.sqrt(1 - r * r), n)   # (2n, 2n)
        out[i] = float((wu[0] * gu * (g(v) * wv).sum(1)).sum())
    return out
