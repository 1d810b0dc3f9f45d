"""B-spline basis against independent references: a scalar Cox–de Boor recursion and scipy's BSpline."""
import warnings

import numpy as np
import pytest
import torch
from scipy.interpolate import BSpline

from actlab.kan import KAN, KANLayer
from actlab.kan.bspline import bspline_basis, extend_grid
from actlab.kan.bspline import matrix_bspline_basis


def cox_de_boor(i: int, p: int, t: list[float], x: float) -> float:
    """Textbook recursion, one basis function at one point, 0/0 := 0."""
    if p == 0:
        return 1.0 if t[i] <= x < t[i + 1] else 0.0
    out = 0.0
    if t[i + p] != t[i]:
        out += (x - t[i]) / (t[i + p] - t[i]) * cox_de_boor(i, p - 1, t, x)
    if t[i + p + 1] != t[i + 1]:
        out += (t[i + p + 1] - x) / (t[i + p + 1] - t[i + 1]) * cox_de_boor(i + 1, p - 1, t, x)
    return out


def knots_for(g: int, k: int, lo=-1.0, hi=1.0, n_in=1):
    return extend_grid(torch.linspace(lo, hi, g + 1, dtype=torch.float64).expand(n_in, g + 1), k)


@pytest.mark.parametrize("g,k", [(3, 3), (5, 2), (4, 1), (2, 0), (6, 4)])
def test_basis_equals_scalar_cox_de_boor(g, k):
    t = knots_for(g, k)
    x = torch.linspace(float(t[0, 0]) - 0.3, float(t[0, -1]) + 0.3, 173, dtype=torch.float64)
    ours = bspline_basis(x[:, None], t, k)[:, 0, :]
    tl = t[0].tolist()
    ref = torch.tensor([[cox_de_boor(m, k, tl, float(xv)) for m in range(g + k)] for xv in x], dtype=torch.float64)
    torch.testing.assert_close(ours, ref, atol=1e-12, rtol=0)


@pytest.mark.parametrize("g,k", [(3, 3), (7, 3), (5, 2)])
def test_basis_equals_scipy_design_matrix(g, k):
    # a non-uniform knot vector too: quantile-like interior knots
    interior = torch.tensor(np.sort(np.r_[-1.0, 1.0, np.random.default_rng(0).uniform(-1, 1, g - 1)]))[None]
    for t in (knots_for(g, k), extend_grid(interior, k)):
        tt = t[0].numpy()
        x = np.linspace(tt[k], tt[-k - 1], 301)[:-1]  # scipy's base interval, right end excluded
        ref = BSpline.design_matrix(x, tt, k).toarray()
        ours = bspline_basis(torch.tensor(x)[:, None], t, k)[:, 0, :].numpy()
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_partition_of_unity_inside_grid():
    t = knots_for(5, 3, -2.0, 3.0, n_in=4)
    x = torch.rand(1000, 4, dtype=torch.float64) * 5 - 2
    s = bspline_basis(x, t, 3).sum(-1)
    torch.testing.assert_close(s, torch.ones_like(s), atol=1e-12, rtol=0)


def test_basis_is_zero_outside_extended_grid():
    t = knots_for(3, 3)
    x = torch.tensor([[-3.5], [3.5]], dtype=torch.float64)
    assert bspline_basis(x, t, 3).abs().max() == 0


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_matrix_evaluation_equals_cox_de_boor(k):
    t = knots_for(6, k, n_in=3)
    x = torch.rand(2000, 3, dtype=torch.float64) * 4 - 2  # includes points outside the extended grid
    torch.testing.assert_close(matrix_bspline_basis(x, t, k), bspline_basis(x, t, k), atol=1e-12, rtol=0)


def test_matrix_layer_equals_bspline_layer_outputs(twin_layers):
    torch.manual_seed(0)
    # knots built in float64 are uniform to rounding
    a, b = twin_layers(3, 4, {"basis": "matrix"}, ref={"basis": "bspline"}, float64_knots=True)
    x = torch.randn(500, 3, dtype=torch.float64)
    torch.testing.assert_close(b(x), a(x), atol=1e-12, rtol=0)


@pytest.mark.parametrize("new_grid", [10, 15])
def test_grid_extension_preserves_function(new_grid):
    torch.manual_seed(1)
    model = KAN([2, 3, 1], grid=5, seed=3).double()
    for layer in model.layers:  # make the splines non-trivial
        layer.coef.data.normal_()
    x = torch.rand(400, 2, dtype=torch.float64) * 2 - 1
    before = model.layers[0](x)
    model.layers[0].refine(new_grid)
    assert model.layers[0].basis.G == new_grid and model.layers[0].coef.shape[-1] == new_grid + 3
    torch.testing.assert_close(model.layers[0](x), before, atol=1e-5, rtol=0)


def test_grid_update_moves_knots_to_data_and_keeps_representable_function():
    from actlab.kan.bspline import fit_coef

    torch.manual_seed(0)
    layer = KANLayer(2, 2, grid=5).double()
    # spline part = a cubic polynomial per edge (cubic B-splines reproduce cubics exactly on any knots)
    u = torch.linspace(-1, 1, 200, dtype=torch.float64)[:, None].expand(200, 2)
    poly = torch.stack([u ** 3 - u, 0.5 * u ** 2 + 0.2 * u], dim=-1)  # (N, in, out)
    layer.coef.data = fit_coef(layer.basis.features(u), poly)
    x = 0.9 * torch.tanh(torch.randn(2000, 2, dtype=torch.float64))  # data narrower than the grid
    before = layer(x)
    layer.update_grid(x)
    k = layer.basis.k
    inner = layer.basis.knots[:, k:-k]
    torch.testing.assert_close(inner[:, 0], x.min(0).values, atol=1e-12, rtol=0)
    torch.testing.assert_close(inner[:, -1], x.max(0).values, atol=1e-12, rtol=0)
    assert (inner.diff(dim=1).std(1) > 1e-3).all()  # quantile knots: not uniform any more
    torch.testing.assert_close(layer(x), before, atol=1e-8, rtol=0)


def test_unknown_backend_is_rejected():
    from actlab.core.errors import ParameterError

    with pytest.raises(ParameterError, match="backend must be one of 'fast', 'eager', 'compiled'"):
        KANLayer(2, 2, backend="turbo")


@pytest.mark.slow
def test_compiled_backend_equals_eager_values_and_input_gradients(twin_layers):
    torch.manual_seed(0)
    a, b = twin_layers(4, 3, {"backend": "compiled"})
    x = (torch.rand(64, 4, dtype=torch.float64) * 2.4 - 1.2).requires_grad_(True)
    torch.testing.assert_close(b(x), a(x), atol=1e-12, rtol=0)
    ga, = torch.autograd.grad(a(x).sum(), x)
    gb, = torch.autograd.grad(b(x).sum(), x)
    torch.testing.assert_close(gb, ga, atol=1e-12, rtol=0)


def test_whole_kan_refine_after_grid_update_preserves_outputs():
    torch.manual_seed(2)
    model = KAN([2, 4, 1], grid=5, seed=0).double()
    for layer in model.layers:
        layer.coef.data.normal_()  # hidden activations now leave layer 2's [-1, 1] grid
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1
    hidden = model.layers[0](x)
    assert ((hidden < -1) | (hidden > 1)).any()
    with pytest.warns(UserWarning, match="outside this layer's grid"):
        model.layers[1].refine(10, hidden)  # the grid does not cover the data: not preservable, and said so
    model = KAN([2, 4, 1], grid=5, seed=0).double()
    torch.manual_seed(2)
    for layer in model.layers:
        layer.coef.data.normal_()
    model.update_grid(x)  # grids onto the data (a least-squares refit itself)
    before = model(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.refine(10, x)
    assert all(layer.basis.G == 10 for layer in model.layers)
    torch.testing.assert_close(model(x), before, atol=1e-5, rtol=0)


def test_refine_without_data_warns_when_the_last_inputs_left_the_grid():
    torch.manual_seed(2)
    model = KAN([2, 4, 1], grid=5, seed=0).double()
    for layer in model.layers:
        layer.coef.data.normal_()  # hidden activations now leave layer 2's [-1, 1] grid
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1
    before = model(x)  # each layer keeps the range of its last inputs
    hidden = model.layers[0](x)
    assert ((hidden < -1) | (hidden > 1)).any()
    with pytest.warns(UserWarning, match="last inputs left its grid") as rec:
        model.refine(10)
    assert len(rec) == 1 and rec[0].filename == __file__  # layer 2 only, pointed at the caller
    assert (model(x) - before).abs().max() > 1e-3  # and the warning is true: the outputs on x changed


def test_refine_without_data_is_silent_and_keeps_the_function_when_inputs_stayed_inside():
    model = KAN([2, 4, 1], grid=5, seed=0).double()
    with torch.no_grad():
        model.layers[0].coef.mul_(0.1)
        model.layers[0].scale_base.mul_(0.1)  # hidden activations well inside [-1, 1]
    x = torch.rand(500, 2, dtype=torch.float64) * 2 - 1
    before = model(x)
    assert model.layers[1].outside_grid() == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.refine(10)  # 10 is a multiple of 5: exact inside the grid
    torch.testing.assert_close(model(x), before, atol=1e-9, rtol=0)
