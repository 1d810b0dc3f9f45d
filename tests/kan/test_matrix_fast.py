"""The MatrixKAN algorithm (power basis × Ψ_k, placed at the interval's basis indices) against the eager
Cox–de Boor recursion and scipy; first and second derivatives against the recursion's autograd."""
import numpy as np
import pytest
import torch
from scipy.interpolate import BSpline

from actlab.kan.bspline import bspline_basis, extend_grid
from actlab.kan.bspline import matrix_design


def knots(n_in: int, grid: int, k: int, lo=-1.0, hi=1.0) -> torch.Tensor:
    return extend_grid(torch.linspace(lo, hi, grid + 1, dtype=torch.float64).expand(n_in, grid + 1), k)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5])
def test_values_equal_recursion_and_scipy_inside_and_outside_the_grid(k):
    t = knots(3, 5, k)
    x = torch.linspace(-2.5, 2.5, 301, dtype=torch.float64)[:, None].expand(301, 3).contiguous()
    got = matrix_design(x, t, k).transpose(1, 2)
    torch.testing.assert_close(got, bspline_basis(x, t, k), atol=1e-12, rtol=0)
    inside = (x[:, 0] >= t[0, k]) & (x[:, 0] < t[0, -k - 1])
    ref = BSpline.design_matrix(x[inside, 0].numpy(), t[0].numpy(), k).toarray()
    np.testing.assert_allclose(got[inside, 0].numpy(), ref, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_gradients_first_and_second_order(k):
    t = knots(2, 4, k)
    x = (torch.rand(7, 2, dtype=torch.float64) * 2.6 - 1.3).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda v: matrix_design(v, t, k), (x,))
    if k >= 2:
        assert torch.autograd.gradgradcheck(lambda v: matrix_design(v, t, k), (x,))


def test_matrix_layer_equals_bspline_layer_before_and_after_grid_update(twin_layers):
    torch.manual_seed(0)
    a, b = twin_layers(3, 4, {"basis": "bspline", "backend": "eager"}, ref={"basis": "matrix"})
    x = (torch.randn(64, 3, dtype=torch.float64)).requires_grad_(True)
    torch.testing.assert_close(a(x), b(x))
    ga, = torch.autograd.grad(a(x).sum(), x, create_graph=True)
    gb, = torch.autograd.grad(b(x).sum(), x, create_graph=True)
    torch.testing.assert_close(ga, gb)
    torch.testing.assert_close(torch.autograd.grad(ga.sum(), x)[0], torch.autograd.grad(gb.sum(), x)[0])
    a.update_grid(x.detach())  # non-uniform knots: the de Boor path
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(a(x), b(x))
