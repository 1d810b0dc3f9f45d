"""The fast B-spline design (cardinal form on uniform knots, basis-major Cox–de Boor otherwise, closed-form
backwards) against the autograd Cox–de Boor recursion, scipy and float64 finite differences; the layer's default
backend against the recursion before and after a grid update."""
import numpy as np
import pytest
import torch

from actlab.kan import KANLayer
from actlab.kan.bspline import bspline_basis, extend_grid
from actlab.kan.bspline import fast_bspline_basis, is_uniform

D = torch.float64


def knots(kind: str, k: int, n_in: int = 3, g: int = 5) -> torch.Tensor:
    if kind == "uniform":
        interior = torch.linspace(-1, 1, g + 1, dtype=D).repeat(n_in, 1)
    elif kind == "random":
        gen = torch.Generator().manual_seed(k)
        interior = torch.sort(torch.rand(n_in, g + 1, generator=gen, dtype=D) * 2 - 1).values
    else:  # repeated interior knots, as a grid update on tied samples makes
        interior = torch.tensor([[-1, -0.5, -0.5, 0.2, 0.2, 1.0]], dtype=D).repeat(n_in, 1)
    return extend_grid(interior, k)


def points(t: torch.Tensor, n: int = 600) -> torch.Tensor:
    x = torch.rand(n, t.shape[0], dtype=D, generator=torch.Generator().manual_seed(1)) * 3.2 - 1.6
    x[0] = t[:, 0]  # exactly on the first and last knot and on an interior knot
    x[1] = t[:, -1]
    x[2] = t[:, t.shape[1] // 2]
    return x


@pytest.mark.parametrize("k", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("kind", ["uniform", "random", "repeated"])
@pytest.mark.parametrize("uniform", [None, False])  # auto (cardinal form on uniform knots) and forced Cox–de Boor
def test_values_equal_cox_de_boor(k, kind, uniform):
    t = knots(kind, k)
    x = points(t)
    got = fast_bspline_basis(x, t, k, uniform=uniform)
    torch.testing.assert_close(got, bspline_basis(x, t, k), atol=1e-13, rtol=0)


@pytest.mark.parametrize("k", [1, 3])
def test_values_equal_scipy_design_matrix(k):
    from scipy.interpolate import BSpline

    t = knots("random", k, n_in=1)
    lo, hi = t[0, k].item(), t[0, -k - 1].item()  # scipy's base interval
    x = lo + (hi - lo) * torch.rand(300, 1, dtype=D) * 0.999
    ref = BSpline.design_matrix(x[:, 0].numpy(), t[0].numpy(), k).toarray()
    np.testing.assert_allclose(fast_bspline_basis(x, t, k)[:, 0].numpy(), ref, atol=1e-13)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("kind", ["uniform", "random"])
def test_backward_passes_gradcheck(k, kind):
    t = knots(kind, k)
    x = (torch.rand(15, 3, dtype=D) * 2.6 - 1.3).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda z: fast_bspline_basis(z, t, k), (x,))


@pytest.mark.parametrize("kind", ["uniform", "random", "repeated"])
def test_input_gradient_equals_autograd_through_the_recursion(kind):
    t = knots(kind, 3)
    x = points(t)
    w = torch.randn(x.shape[0], 3, t.shape[1] - 4, dtype=D)
    a = x.clone().requires_grad_(True)
    b = x.clone().requires_grad_(True)
    (fast_bspline_basis(a, t, 3) * w).sum().backward()
    (bspline_basis(b, t, 3) * w).sum().backward()
    torch.testing.assert_close(a.grad, b.grad, atol=1e-11, rtol=0)


def test_uniform_means_uniform_to_rounding_of_the_dtype():
    t64 = knots("uniform", 3)
    assert is_uniform(t64) and is_uniform(t64.float())
    assert not is_uniform(t64.float().double() + 1e-9)  # float32 rounding is not float64-uniform
    assert not is_uniform(knots("random", 3)) and not is_uniform(knots("repeated", 3))


def test_layer_default_backend_equals_eager_recursion_before_and_after_grid_update(twin_layers):
    torch.manual_seed(0)
    fast, ref = twin_layers(4, 3, {"backend": "eager"})
    for layer in (fast, ref):
        layer.coef.data.normal_(generator=torch.Generator().manual_seed(2))
    x = torch.randn(300, 4, dtype=D)
    for step in range(2):  # the second round runs on quantile (non-uniform) knots
        xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        ya, yb = fast(xa), ref(xb)
        torch.testing.assert_close(ya, yb, atol=1e-12, rtol=0)
        ya.pow(2).sum().backward()
        yb.pow(2).sum().backward()
        torch.testing.assert_close(xa.grad, xb.grad, atol=1e-11, rtol=0)
        torch.testing.assert_close(fast.coef.grad, ref.coef.grad, atol=1e-11, rtol=0)
        if step == 0:
            fast.update_grid(x)
            ref.update_grid(x)
            assert not is_uniform(fast.basis.knots)


def test_cached_knot_information_follows_load_state_dict():
    a = KANLayer(2, 2, grid=4).double()
    b = KANLayer(2, 2, grid=4).double()
    x = torch.randn(200, 2, dtype=D) * 0.5
    a(x)  # fills a's cache for uniform knots
    b.update_grid(x)  # b's knots are quantiles
    a.load_state_dict(b.state_dict())  # copies b's knots into a's buffer in place
    torch.testing.assert_close(a(x), b(x), atol=1e-12, rtol=0)


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 3])
def test_compiled_uniform_basis_values_and_gradients(k):
    from actlab.kan.bspline import compiled_matrix_basis

    t = knots("uniform", k)
    x = points(t, 200)
    a = x.clone().requires_grad_(True)
    b = x.clone().requires_grad_(True)
    w = torch.randn(200, 3, t.shape[1] - 1 - k, dtype=D)
    ya, yb = compiled_matrix_basis(a, t, k), bspline_basis(b, t, k)
    torch.testing.assert_close(ya, yb, atol=1e-13, rtol=0)
    (ya * w).sum().backward()
    (yb * w).sum().backward()
    # rows 0-2 sit exactly on knots, where a linear spline's derivative jumps: compare the others
    torch.testing.assert_close(a.grad[3:], b.grad[3:], atol=1e-11, rtol=0)


@pytest.mark.parametrize("kind", ["uniform", "random", "repeated"])
def test_scratch_reuse_leaves_earlier_outputs_and_gradients_intact(kind):
    t = knots(kind, 3)
    xs = [points(t, n).requires_grad_(True) for n in (300, 50, 300)]  # other shapes in between
    outs = [fast_bspline_basis(x, t, 3) for x in xs]  # all graphs alive at once
    for x, out in zip(xs, outs):
        ref_x = x.detach().clone().requires_grad_(True)
        ref = bspline_basis(ref_x, t, 3)
        torch.testing.assert_close(out, ref, atol=1e-13, rtol=0)
        w = torch.randn_like(ref)
        (out * w).sum().backward()
        (ref * w).sum().backward()
        torch.testing.assert_close(x.grad, ref_x.grad, atol=1e-11, rtol=0)


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("kind", ["uniform", "random"])
def test_second_derivatives_pass_gradgradcheck(k, kind):
    t = knots(kind, k, n_in=2)
    x = (torch.rand(6, 2, dtype=D) * 1.6 - 0.8).requires_grad_(True)
    assert torch.autograd.gradgradcheck(lambda z: fast_bspline_basis(z, t, k), (x,))


def test_layer_second_derivative_equals_eager_backend_before_and_after_grid_update(twin_layers):
    """A PDE residual needs d²y/dx² through the layer: the default backend must give the recursion's."""
    torch.manual_seed(3)
    fast, ref = twin_layers(2, 3, {"backend": "eager"})
    x = torch.rand(40, 2, dtype=D) * 1.8 - 0.9
    for step in range(2):
        out = []
        for layer in (fast, ref):
            xx = x.clone().requires_grad_(True)
            g1, = torch.autograd.grad(layer(xx).sum(), xx, create_graph=True)
            g2, = torch.autograd.grad(g1.sum(), xx)
            out.append((g1.detach(), g2))
        torch.testing.assert_close(out[0][0], out[1][0], atol=1e-11, rtol=0)
        torch.testing.assert_close(out[0][1], out[1][1], atol=1e-9, rtol=0)
        if step == 0:
            fast.update_grid(x)
            ref.update_grid(x)
