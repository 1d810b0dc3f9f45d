"""Dual kernels and NTK against the ReLU arc-cosine closed form and Monte Carlo."""
import numpy as np
import pytest
import torch

from actlab.analysis import kernels

RHO = np.array([-1.0, -0.7, 0.0, 0.5, 0.9, 0.99, 1.0])


def test_relu_dual_kernel_equals_arccos_closed_form():
    k, dk = kernels.relu_arccos(RHO)
    assert np.allclose(kernels.dual_kernel("relu", RHO, normalize=True), k, atol=1e-9)
    assert np.allclose(kernels.dual_kernel_derivative("relu", RHO, normalize=True), dk, atol=1e-6)


def test_relu_arccos_reference_values():
    assert kernels.relu_arccos([0.0, 0.5, 0.9])[0] == pytest.approx([0.31831, 0.60900, 0.90954], abs=1e-5)


def test_tanh_dual_kernel_matches_monte_carlo():
    g = torch.Generator().manual_seed(0)
    z1, z2 = torch.randn(2, 400_000, generator=g, dtype=torch.float64)
    for rho in (0.3, 0.8):
        mc = float((torch.tanh(z1) * torch.tanh(rho * z1 + np.sqrt(1 - rho**2) * z2)).mean())
        assert kernels.dual_kernel("tanh", rho)[0] == pytest.approx(mc, abs=4e-3)


def test_normalised_kernel_is_one_at_one():
    for act in ("gelu", "tanh", "silu", "selu"):
        assert kernels.dual_kernel(act, 1.0, normalize=True)[0] == pytest.approx(1.0, abs=1e-10)


def test_relu_ntk_matches_closed_form_recursion():
    depth = 4
    sigma, theta = RHO.copy(), RHO.copy()
    for _ in range(depth):
        k, dk = kernels.relu_arccos(sigma)
        theta, sigma = theta * dk + k, k
    s, t = kernels.ntk("relu", RHO, depth)
    assert np.allclose(s, sigma, atol=1e-6) and np.allclose(t, theta, atol=1e-5)
    assert t[-1] == pytest.approx(depth + 1)  # Θ(1) = L + 1 for a normalised activation
