"""Least-squares initialisation of a safe rational P(x)/(1 + Σ|b_k||x|^k) to any zoo activation.

PAU (Molina et al. 2020) and KAT (Yang & Wang 2024) start their rationals from a fit to a known activation on
[-3, 3]. The fit must use the *same* denominator form as the forward (KAT's gelu init was fitted with another
form and is wrong in the kernel's form, see the reference notes), so it is done here, with our own model:

1. linearised least squares  P(x) − f(x)·Σ c_k|x|^k ≈ f(x)  (one lstsq, gives a starting point);
2. Levenberg–Marquardt on the true model with the closed-form Jacobian;
3. a few Lawson re-weighting rounds (weights ∝ |residual|), which push the L2 fit towards the minimax one —
   the max-abs error is what users care about for an activation.

Fits are cached per (target, parameters, interval, order) so building many layers costs one fit.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from actlab.core.errors import ParameterError


@dataclass(frozen=True)
class RationalFit:
    """Coefficients a (m+1,), b (n,) of P/(1+Σ|b_k||x|^k), with the max-abs and RMS error on a dense grid."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    target: str
    interval: tuple[float, float]
    max_error: float
    rms_error: float


def rational_numpy(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Plain numpy evaluation of the safe rational (used by the fit and as an independent check)."""
    p = np.polynomial.polynomial.polyval(x, a)
    q = 1.0 + np.polynomial.polynomial.polyval(np.abs(x), np.concatenate([[0.0], np.abs(b)]))
    return p / q


def _target_fn(target: str | Callable[..., Any], params: tuple[tuple[str, float], ...]) -> Callable:
    if callable(target):
        return target
    from actlab.core.registry import functional, get

    spec = get(target)
    if spec.kind != "elementwise" or spec.fn is None:
        raise ParameterError(f"rational init: target {spec.name!r} is a {spec.kind} activation; only elementwise "
                             f"zoo entries can be fitted")
    f = functional(spec.name)
    return lambda x: f(x, **dict(params))


def _evaluate(f: Callable, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        y = f(torch.as_tensor(x, dtype=torch.float64))
    return np.asarray(torch.as_tensor(y, dtype=torch.float64).detach().cpu().numpy(), dtype=np.float64)


def fit_rational(target: str | Callable[..., Any] = "leaky_relu", m: int = 5, n: int = 4,
                 interval: tuple[float, float] = (-3.0, 3.0), target_params: dict[str, float] | None = None,
                 points: int = 500, rounds: int = 6) -> RationalFit:
    """Fit a safe rational of order (m, n) to ``target`` (a zoo name or a torch callable) on ``interval``."""
    lo, hi = float(interval[0]), float(interval[1])
    if not lo < hi:
        raise ParameterError(f"rational init: interval must satisfy low < high, got {interval!r}")
    if m < 0 or n < 0:
        raise ParameterError(f"rational init: orders must be >= 0, got (m, n) = ({m}, {n})")
    params = tuple(sorted((target_params or {}).items()))
    if callable(target):
        return _fit(target, m, n, lo, hi, params, points, rounds)
    return _fit_cached(str(target), m, n, lo, hi, params, points, rounds)


@functools.lru_cache(maxsize=128)
def _fit_cached(target: str, m: int, n: int, lo: float, hi: float, params: tuple, points: int,
                rounds: int) -> RationalFit:
    return _fit(target, m, n, lo, hi, params, points, rounds)


def _fit(target, m, n, lo, hi, params, points, rounds) -> RationalFit:
    from scipy.optimize import least_squares

    f = _target_fn(target, params)
    x = np.linspace(lo, hi, points)
    y = _evaluate(f, x)
    if not np.all(np.isfinite(y)):
        raise ParameterError(f"rational init: target is not finite on [{lo:g}, {hi:g}]")
    V = x[:, None] ** np.arange(m + 1)                      # (N, m+1) numerator basis
    U = np.abs(x)[:, None] ** np.arange(1, n + 1)           # (N, n)   denominator basis
    c, *_ = np.linalg.lstsq(np.concatenate([V, -y[:, None] * U], 1), y, rcond=None)
    p = np.concatenate([c[: m + 1], np.abs(c[m + 1:])])

    def resid(p, w):
        return w * (V @ p[: m + 1] / (1.0 + U @ np.abs(p[m + 1:])) - y)

    def jac(p, w):
        P, Q = V @ p[: m + 1], 1.0 + U @ np.abs(p[m + 1:])
        s = np.where(p[m + 1:] >= 0, 1.0, -1.0)
        return w[:, None] * np.concatenate([V / Q[:, None], -(U * s) * (P / Q ** 2)[:, None]], 1)

    w = np.ones_like(x)
    best, best_err = p, np.abs(resid(p, 1.0)).max()
    for _ in range(max(1, rounds)):
        if n + m + 1 > 0:
            p = least_squares(resid, p, jac=jac, args=(np.sqrt(w),), method="lm" if points >= p.size else "trf",
                              max_nfev=60).x
        e = np.abs(resid(p, 1.0))
        if e.max() < best_err:
            best, best_err = p, e.max()
        w = np.maximum(w * e / max(float((w * e).mean()), 1e-300), 1e-8)   # Lawson step towards minimax
    a, b = best[: m + 1], best[m + 1:]
    xd = np.linspace(lo, hi, 20 * points + 1)           # report the error on a grid 20x denser than the fit's
    err = rational_numpy(xd, a, b) - _evaluate(f, xd)
    name = target if isinstance(target, str) else getattr(target, "__name__", "callable")
    return RationalFit(tuple(float(v) for v in a), tuple(float(v) for v in b), name, (lo, hi),
                       float(np.abs(err).max()), float(np.sqrt(np.mean(err ** 2))))
