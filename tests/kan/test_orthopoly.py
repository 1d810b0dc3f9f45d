"""Chebyshev / Legendre KAN features against scipy's polynomials of numpy's tanh (an independent reference), on
both evaluation paths: the in-place recurrence (no graph) and the autograd one."""
import numpy as np
import pytest
import torch
from scipy import special

from actlab.kan import KANLayer
from actlab.kan.orthopoly import squash

REFERENCE = {"chebyshev": special.eval_chebyt, "legendre": special.eval_legendre}


def reference(basis: str, x: np.ndarray, degree: int) -> np.ndarray:
    t = np.tanh(x)
    return np.stack([REFERENCE[basis](d, t) for d in range(degree + 1)], axis=-1)  # (B, in, K)


@pytest.mark.parametrize("basis", sorted(REFERENCE))
@pytest.mark.parametrize("degree", [1, 3, 6])
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-5)])
@pytest.mark.parametrize("graph", [False, True])
def test_features_equal_scipy_polynomials_of_tanh(basis, degree, dtype, tol, graph):
    x = torch.linspace(-6, 6, 300, dtype=torch.float64).reshape(-1, 3)
    layer = KANLayer(3, 2, basis=basis, degree=degree).to(dtype)
    u = x.to(dtype).clone().requires_grad_(graph)
    feats = layer.basis(u)
    assert feats.shape == (x.shape[0], 3, degree + 1)
    assert feats.requires_grad == graph
    np.testing.assert_allclose(feats.detach().double().numpy(), reference(basis, x.numpy(), degree), atol=tol, rtol=0)


def test_squash_is_tanh_with_tanh_derivative():
    x = torch.linspace(-20, 20, 4001, dtype=torch.float64, requires_grad=True)
    t = squash(x)
    torch.testing.assert_close(t, torch.tanh(x), atol=1e-15, rtol=0)
    (g,) = torch.autograd.grad(t.sum(), x)
    torch.testing.assert_close(g, 1 - torch.tanh(x).detach() ** 2, atol=1e-15, rtol=0)
    x32 = x.detach().float()
    assert (squash(x32).double() - torch.tanh(x.detach())).abs().max() < 3e-7


@pytest.mark.parametrize("basis", sorted(REFERENCE))
def test_layer_output_same_with_and_without_input_graph(basis):
    torch.manual_seed(0)
    layer = KANLayer(5, 4, basis=basis, degree=4)
    x = torch.randn(64, 5) * 2
    with torch.no_grad():
        plain = layer(x)
    traced = layer(x.clone().requires_grad_(True))
    torch.testing.assert_close(plain, traced.detach(), atol=1e-6, rtol=1e-6)
