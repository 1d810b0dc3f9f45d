"""Dual activation kernels and the infinite-width NNGP / NTK of an MLP, for any elementwise activation.

Dual activation (Daniely et al. 2016): k(ρ) = E[φ(u)φ(v)] for standard normal u, v with correlation ρ, and
k′(ρ) = E[φ′(u)φ′(v)]. With ``normalize=True`` φ is rescaled so that k(1) = E[φ(z)²] = 1 (inputs on the sphere
then stay on it layer after layer). For √2·ReLU the closed form is the arc-cosine kernel of degree 1
(Cho & Saul 2009): k(ρ) = (√(1 − ρ²) + (π − arccos ρ) ρ) / π, k′(ρ) = (π − arccos ρ) / π.

NNGP / NTK recursion for a bias-free MLP on unit-norm inputs with a normalised φ (Jacot et al. 2018):
    Σ⁰ = ρ,  Θ⁰ = ρ,   Σˡ = k(Σˡ⁻¹),   Θˡ = Θˡ⁻¹ · k′(Σˡ⁻¹) + Σˡ.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from actlab.analysis._gauss import expect, expect_pair, resolve

N_QUAD = 60


def second_moment(act: Any, n_quad: int = 100, **params: Any) -> float:
    """E[φ(z)²], z ~ N(0, 1): the normaliser that makes k(1) = 1."""
    return float(expect(resolve(act, **params), 0.0, 1.0, n_quad, power=2)[0])


def dual_kernel(act: Any, rho: np.ndarray | float, normalize: bool = False, n_quad: int = N_QUAD,
                **params: Any) -> np.ndarray:
    """k(ρ) = E[φ(u)φ(v)] (divided by E[φ(z)²] when ``normalize``), vectorised over ρ ∈ [−1, 1]."""
    fn = resolve(act, **params)
    k = expect_pair(fn, rho, 1.0, n_quad)
    return k / second_moment(act, **params) if normalize else k


def dual_kernel_derivative(act: Any, rho: np.ndarray | float, normalize: bool = False, n_quad: int = N_QUAD,
                           **params: Any) -> np.ndarray:
    """k′(ρ) = E[φ′(u)φ′(v)] (Price's theorem), with the same normalisation as `dual_kernel`."""
    fn = resolve(act, **params)
    k = expect_pair(fn, rho, 1.0, n_quad, deriv=True)
    return k / second_moment(act, **params) if normalize else k


def relu_arccos(rho: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form (k, k′) of the normalised ReLU √2·max(0, x) (arc-cosine kernel of degree 1)."""
    rho = np.clip(np.asarray(rho, dtype=np.float64), -1.0, 1.0)
    theta = np.arccos(rho)
    return (np.sqrt(1 - rho**2) + (np.pi - theta) * rho) / np.pi, (np.pi - theta) / np.pi


def ntk(act: Any, rho: np.ndarray | float, depth: int, n_quad: int = N_QUAD, **params: Any
        ) -> tuple[np.ndarray, np.ndarray]:
    """Infinite-width (NNGP Σ, NTK Θ) between unit inputs at cosine ``rho`` after ``depth`` hidden layers.

    Uses the normalised dual kernel, evaluated by quadrature at each layer's correlations. Returns arrays
    shaped like ``rho``.
    """
    rho = np.asarray(rho, dtype=np.float64)
    fn = resolve(act, **params)
    norm = second_moment(act, **params)
    sigma, theta = rho.ravel().copy(), rho.ravel().copy()
    for _ in range(int(depth)):
        s = np.clip(sigma, -1.0, 1.0)
        k = expect_pair(fn, s, 1.0, n_quad) / norm
        dk = expect_pair(fn, s, 1.0, n_quad, deriv=True) / norm
        theta = theta * dk + k
        sigma = k
    return sigma.reshape(rho.shape), theta.reshape(rho.shape)
