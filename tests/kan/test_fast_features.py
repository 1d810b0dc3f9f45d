"""The RBF (FastKAN) and Fourier features' fast paths against direct formulas: the closed-form RBF backward
(gradcheck, gradgradcheck, a KAN's second derivative), the in-place Fourier recurrence vs cos/sin of n·u."""
import math

import pytest
import torch

from actlab.kan import KANLayer
from actlab.kan.fourier import harmonics


def rbf_reference(u: torch.Tensor, num: int, lo: float, hi: float) -> torch.Tensor:
    centres = torch.linspace(lo, hi, num, dtype=torch.float64)
    h = (hi - lo) / (num - 1)
    return torch.exp(-(((u.double()[:, :, None] - centres) / h) ** 2))  # (B, in, K)


@pytest.mark.parametrize("graph", [False, True])
def test_rbf_features_equal_gaussians(graph):
    layer = KANLayer(3, 2, basis="rbf", num_grids=6, grid_min=-1.5, grid_max=2.5, layernorm=False)
    u = (torch.randn(50, 3) * 2).requires_grad_(graph)
    feats = layer.basis(u)
    assert feats.requires_grad == graph
    torch.testing.assert_close(feats.double(), rbf_reference(u.detach(), 6, -1.5, 2.5), atol=1e-6, rtol=1e-5)


def test_rbf_closed_form_backward_first_and_second_order():
    layer = KANLayer(3, 1, basis="rbf", num_grids=5, layernorm=False).double()
    basis = layer.basis
    u = (torch.randn(6, 3, dtype=torch.float64) * 1.5).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: basis.basis_major(t), (u,))
    assert torch.autograd.gradgradcheck(lambda t: basis.basis_major(t), (u,))


def test_rbf_layer_second_derivative_matches_autograd_gaussians():
    torch.manual_seed(0)
    layer = KANLayer(2, 3, basis="rbf", layernorm=False).double()
    x = torch.randn(20, 2, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(layer(x).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)

    def reference(x):  # the same layer from the plain autograd formula
        b = layer.basis
        d = (x.unsqueeze(-1) - b.centres.double()) * b.inv_h
        spline = torch.einsum("bik,oik->bo", torch.exp(-d * d), layer.coef)
        return spline + torch.nn.functional.silu(x) @ layer.scale_base.T + layer.bias

    (g_ref,) = torch.autograd.grad(reference(x).sum(), x, create_graph=True)
    (gg_ref,) = torch.autograd.grad(g_ref.sum(), x)
    torch.testing.assert_close(g, g_ref)
    torch.testing.assert_close(gg, gg_ref)


@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 5e-6)])
@pytest.mark.parametrize("grid", [1, 2, 5, 9])
def test_fourier_recurrence_equals_cos_sin(dtype, tol, grid):
    u = torch.linspace(-40, 40, 600, dtype=torch.float64).reshape(-1, 4)
    got = harmonics(u.to(dtype), grid).double()
    n = torch.arange(1, grid + 1, dtype=torch.float64).view(1, -1, 1)
    want = torch.cat([torch.cos(n * u.unsqueeze(1)), torch.sin(n * u.unsqueeze(1))], dim=1)
    # float32 rounds u itself: compare against cos/sin of the rounded inputs
    if dtype == torch.float32:
        ur = u.float().double().unsqueeze(1)
        want = torch.cat([torch.cos(n * ur), torch.sin(n * ur)], dim=1)
    assert (got - want).abs().max().item() < tol * max(grid, 1)


def test_fourier_layer_same_with_and_without_input_graph():
    torch.manual_seed(0)
    layer = KANLayer(4, 3, basis="fourier", grid=6)
    x = torch.randn(32, 4) * math.pi
    with torch.no_grad():
        plain = layer(x)
    traced = layer(x.clone().requires_grad_(True))
    torch.testing.assert_close(plain, traced.detach(), atol=2e-5, rtol=1e-5)


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("train_ends", [False, True])
def test_relu_kan_bells_equal_formula(graph, train_ends):
    grid, k, lo, hi = 4, 2, -1.0, 2.0
    layer = KANLayer(3, 2, basis="relu", grid=grid, k=k, grid_range=(lo, hi), train_ends=train_ends)
    u = (torch.rand(40, 3) * 4 - 1.5).requires_grad_(graph)
    feats = layer.basis(u).double()
    h = (hi - lo) / grid
    s = lo + (torch.arange(grid + k, dtype=torch.float64) - k) * h  # (K,)
    e = s + (k + 1) * h
    x = u.detach().double()[:, :, None]
    want = (torch.clamp(e - x, min=0) * torch.clamp(x - s, min=0)) ** 2 * 16 / (e - s) ** 4
    torch.testing.assert_close(feats, want, atol=1e-6, rtol=1e-5)
    peaks = layer.basis(((s + e) / 2).float()[:, None].expand(-1, 3).contiguous())  # bell m at its centre
    torch.testing.assert_close(torch.diagonal(peaks[:, 0, :]).double(), torch.ones(grid + k, dtype=torch.float64))
