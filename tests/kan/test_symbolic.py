"""Symbolic snapping: a trained sin edge is recognised with its affine fit, and formulas match the model."""
import pytest
import sympy as sp
import torch

from actlab.kan import KAN, create_dataset, fit, fit_affine, fix_symbolic, suggest_symbolic, symbolic_formula


def target(x):
    return 0.7 * torch.sin(2.0 * x + 0.3) + 0.1


@pytest.fixture(scope="module")
def sin_edge():
    ds = create_dataset(target, 1, train_num=300, test_num=100, seed=0)
    model = KAN([1, 1], grid=10, seed=0).double()
    fit(model, ds, steps=5)
    return model, ds


def test_fit_affine_recovers_exact_parameters():
    x = torch.linspace(-2, 2, 201, dtype=torch.float64)
    f = fit_affine(x, 1.5 * torch.exp(0.5 * x - 0.25) - 2.0, "exp")
    assert f.r2 > 1 - 1e-9
    torch.testing.assert_close(f.a * torch.exp(f.b * x + f.c) + f.d, 1.5 * torch.exp(0.5 * x - 0.25) - 2.0,
                               atol=1e-6, rtol=0)


def test_snapping_recovers_sin_on_a_sin_edge(sin_edge):
    model, ds = sin_edge
    fits = suggest_symbolic(model, 0, 0, 0, ds["train_input"])
    best = fits[0]
    assert best.name == "sin" and best.r2 > 0.99
    x = torch.linspace(-1, 1, 101, dtype=torch.float64)
    curve = best.a * torch.sin(best.b * x + best.c) + best.d
    assert (curve - target(x)).abs().max() < 2e-2


def test_fixed_symbolic_edge_and_formula_agree_with_model(sin_edge):
    model, ds = sin_edge
    fix_symbolic(model, 0, 0, 0, "sin", ds["train_input"])
    (expr,) = symbolic_formula(model, digits=12)
    assert expr.has(sp.sin)
    f = sp.lambdify(sp.Symbol("x_1", real=True), expr, "math")
    x = ds["test_input"]
    with torch.no_grad():
        y = model(x)
    ref = torch.tensor([f(float(v)) for v in x[:, 0]], dtype=torch.float64)
    torch.testing.assert_close(y[:, 0], ref, atol=1e-8, rtol=0)
    assert (y - target(x)).abs().max() < 2e-2


def test_zoo_activation_is_a_library_function():
    x = torch.linspace(-3, 3, 301, dtype=torch.float64)
    y = 2.0 * torch.nn.functional.gelu(1.5 * x - 0.5) + 0.3
    f = fit_affine(x, y, "gelu")
    assert f.name == "gelu" and f.r2 > 1 - 1e-6
    assert fit_affine(x, y, "gelu").score < fit_affine(x, y, "x").score
