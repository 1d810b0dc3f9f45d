"""Signal propagation through deep random networks, for any activation.

* The SNN moment map (Klambauer et al. 2017): with pre-activation z ~ N(μω, ντ) (ω = Σ w_i, τ = Σ w_i²),
  g(μ, ν) = (E[f(z)], Var[f(z)]). `moment_fixed_point` solves g(μ, ν) = (μ, ν); `moment_jacobian` gives the
  2 × 2 derivative there (SELU: fixed point (0, 1), attracting).
* Mean-field maps (Poole et al. 2016; Schoenholz et al. 2017): variance map q ↦ σ_w² E[φ(√q z)²] + σ_b², its
  fixed point q*, the correlation map, χ₁ = σ_w² E[φ′(√q* z)²] and the order-to-chaos line χ₁ = 1 in
  (σ_w, σ_b). σ_w and σ_b are standard deviations; the formulas use their squares.
* `propagate`: the empirical check, mean and variance per layer of a deep random MLP (LeCun or He init).

All expectations are Gaussian quadratures (`actlab.analysis._gauss`): Gauss–Legendre on the normal density,
split where the activation's argument crosses 0, because plain Gauss–Hermite converges slowly at the kinks of
ReLU/SELU-like units (GH with 201 nodes leaves a 1e-3 error in SELU's fixed point; the split rule ~1e-12).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.optimize import brentq, fsolve

from actlab.analysis._gauss import expect, expect_pair, resolve
from actlab.core.errors import ParameterError

N_QUAD = 100  # Gauss–Legendre nodes per half-line (see `_gauss.normal_nodes`)


# ------------------------------------------------------------------------------------------- moment map
def moment_map(act: Any, mean: float, var: float, omega: float = 0.0, tau: float = 1.0,
               n_quad: int = N_QUAD, **params: Any) -> tuple[float, float]:
    """(μ̃, ν̃): mean and variance of f(z) for z ~ N(μω, ντ) — the activation moments one layer up."""
    if var < 0 or tau <= 0:
        raise ParameterError(f"var must be >= 0 and tau > 0, got var={var!r}, tau={tau!r}")
    fn = resolve(act, **params)
    loc, scale = mean * omega, np.sqrt(var * tau)
    m = float(expect(fn, loc, scale, n_quad)[0])
    return m, float(expect(fn, loc, scale, n_quad, power=2)[0]) - m * m


def moment_fixed_point(name: Any, omega: float = 0.0, tau: float = 1.0, start: tuple[float, float] = (0.0, 1.0),
                       n_quad: int = N_QUAD, **params: Any) -> tuple[float, float]:
    """The fixed point (mean, var) of the moment map; SELU with ω = 0, τ = 1 gives (0, 1).

    A few hundred map iterations approach an attracting fixed point, then Newton (fsolve) polishes it; a map
    that has no non-trivial fixed point near ``start`` raises `ParameterError`.
    """
    mu, nu = start
    for _ in range(200):
        mu, nu = moment_map(name, mu, nu, omega, tau, n_quad, **params)
        if not np.isfinite(nu) or nu > 1e6:
            break
    if not np.isfinite(nu) or nu > 1e6:
        mu, nu = start

    def resid(p: np.ndarray) -> np.ndarray:
        return np.array(moment_map(name, p[0], max(p[1], 0.0), omega, tau, n_quad, **params)) - p

    sol, info, ok, msg = fsolve(resid, [mu, nu], full_output=True)
    if ok != 1 or np.abs(resid(sol)).max() > 1e-7 or sol[1] <= 1e-9:
        raise ParameterError(f"no non-trivial moment fixed point found for {name!r} with omega={omega}, "
                             f"tau={tau} ({msg.strip()})")
    return float(sol[0]), float(sol[1])


def moment_jacobian(name: Any, mean: float, var: float, omega: float = 0.0, tau: float = 1.0,
                    n_quad: int = N_QUAD, h: float = 1e-5, **params: Any) -> np.ndarray:
    """J[i, j] = ∂g_i/∂p_j at (mean, var), p = (μ, ν), by central differences; |eigenvalues| < 1 ⇒ attracting."""
    base = np.array([mean, var], dtype=np.float64)
    jac = np.empty((2, 2))
    for j in range(2):
        d = np.zeros(2)
        d[j] = h
        jac[:, j] = (np.array(moment_map(name, *(base + d), omega, tau, n_quad, **params))
                     - np.array(moment_map(name, *(base - d), omega, tau, n_quad, **params))) / (2 * h)
    return jac


# ----------------------------------------------------------------------------------- mean-field theory
def _check_sigmas(sigma_w: float, sigma_b: float) -> None:
    """σ_w, σ_b are standard deviations: σ_w > 0 (0 kills the signal), σ_b >= 0 (they enter squared)."""
    if not (np.isfinite(sigma_w) and sigma_w > 0):
        raise ParameterError(f"sigma_w is a weight standard deviation and must be > 0, got {sigma_w!r}")
    if not (np.isfinite(sigma_b) and sigma_b >= 0):
        raise ParameterError(f"sigma_b is a bias standard deviation and must be >= 0, got {sigma_b!r}")


def variance_map(act: Any, q: np.ndarray | float, sigma_w: float, sigma_b: float, n_quad: int = N_QUAD,
                 **params: Any) -> np.ndarray:
    """q ↦ σ_w² E[φ(√q z)²] + σ_b² (vectorised over q)."""
    _check_sigmas(sigma_w, sigma_b)
    fn = resolve(act, **params)
    q = np.atleast_1d(np.asarray(q, dtype=np.float64))
    return sigma_w**2 * expect(fn, 0.0, np.sqrt(q), n_quad, power=2) + sigma_b**2


def q_star(act: Any, sigma_w: float, sigma_b: float, q0: float = 1.0, n_quad: int = N_QUAD, tol: float = 1e-12,
           max_iter: int = 10_000, **params: Any) -> float:
    """Fixed point of the variance map, by iteration from ``q0`` (the map is monotone for usual activations)."""
    q = float(q0)
    for _ in range(max_iter):
        q_new = float(variance_map(act, q, sigma_w, sigma_b, n_quad, **params)[0])
        if not np.isfinite(q_new) or q_new > 1e12:
            raise ParameterError(f"the variance map of {act!r} diverges at sigma_w={sigma_w}, sigma_b={sigma_b}")
        if abs(q_new - q) <= tol * max(1.0, q):
            return q_new
        q = q_new
    return q


def correlation_map(act: Any, c: np.ndarray | float, q: float, sigma_w: float, sigma_b: float,
                    n_quad: int = 60, **params: Any) -> np.ndarray:
    """c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²) / q with u₁, u₂ of variance q and correlation c (q is usually q*)."""
    _check_sigmas(sigma_w, sigma_b)
    fn = resolve(act, **params)
    return (sigma_w**2 * expect_pair(fn, c, np.sqrt(q), n_quad) + sigma_b**2) / q


def chi1(act: Any, sigma_w: float, sigma_b: float, n_quad: int = N_QUAD, **params: Any) -> float:
    """χ₁ = σ_w² E[φ′(√q* z)²]: the slope of the correlation map at c = 1 (< 1 ordered, > 1 chaotic)."""
    fn = resolve(act, **params)
    q = q_star(act, sigma_w, sigma_b, n_quad=n_quad, **params)
    return float(sigma_w**2 * expect(fn, 0.0, np.sqrt(q), n_quad, power=2, deriv=True)[0])


def critical_sigma_w(act: Any, sigma_b: float, lo: float = 0.3, hi: float = 5.0, n_quad: int = N_QUAD,
                     **params: Any) -> float:
    """σ_w on the order-to-chaos line (χ₁ = 1) for a given σ_b, by bracketing root search in [lo, hi]."""
    def f(sw: float) -> float:
        try:
            return chi1(act, sw, sigma_b, n_quad, **params) - 1.0
        except ParameterError:  # q* diverges: the unbounded (chaotic / exploding) side of the line
            return np.inf

    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        raise ParameterError(f"chi1 - 1 does not change sign for sigma_w in [{lo}, {hi}] at sigma_b={sigma_b} "
                             f"({flo + 1:.3g} .. {fhi + 1:.3g}); widen lo/hi")
    return float(brentq(f, lo, hi, xtol=1e-10))


def order_chaos_boundary(act: Any, sigma_bs: np.ndarray, **kw: Any) -> np.ndarray:
    """The critical σ_w for each σ_b in ``sigma_bs``."""
    return np.array([critical_sigma_w(act, float(sb), **kw) for sb in np.atleast_1d(sigma_bs)])


# ------------------------------------------------------------------------------- empirical propagation
@dataclass(frozen=True)
class Propagation:
    """Per-layer statistics of post-activations: arrays of length depth."""

    mean: np.ndarray
    var: np.ndarray


INITS = {"lecun": 1.0, "he": 2.0}


def propagate(act: Any, width: int = 512, depth: int = 32, init: str = "lecun", n: int = 512,
              input_mean: float = 0.0, input_var: float = 1.0, sigma_b: float = 0.0, seed: int = 0,
              **params: Any) -> Propagation:
    """Push Gaussian inputs through a random MLP, W ~ N(0, g/width) (g = 1 LeCun, 2 He), and record the mean and
    variance (over units and samples) of each layer's activations."""
    if init not in INITS:
        from actlab.core.errors import UnknownNameError

        raise UnknownNameError("init", init, INITS)
    if width < 1 or depth < 1 or n < 2:
        raise ParameterError(f"width, depth >= 1 and n >= 2 required, got {width}, {depth}, {n}")
    fn = resolve(act, **params)
    g = torch.Generator().manual_seed(seed)
    std = float(np.sqrt(INITS[init] / width))
    h = input_mean + np.sqrt(input_var) * torch.randn(n, width, generator=g, dtype=torch.float64)
    means, variances = [], []
    with torch.no_grad():
        for _ in range(depth):
            w = torch.randn(width, width, generator=g, dtype=torch.float64) * std
            b = torch.randn(width, generator=g, dtype=torch.float64) * sigma_b
            h = fn(h @ w + b)
            means.append(float(h.mean()))
            variances.append(float(h.var()))
    return Propagation(np.array(means), np.array(variances))
