"""The KAN paper's hello-world fit: [2, 5, 1] on f(x, y) = exp(sin(πx) + y²) with LBFGS."""
import pytest

from actlab.kan import KAN, create_dataset, fit, toy_function


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 42])
def test_toy_fit_reaches_2e_2_test_rmse_fast(seed):
    """Every seed tried, not a lucky one (10 steps left seed 3 at 3.4e-2; 30 steps: all ≤ 1e-2 when measured)."""
    ds = create_dataset(toy_function, 2, train_num=1000, test_num=1000, seed=0)
    model = KAN([2, 5, 1], grid=5, k=3, seed=seed).double()
    res = fit(model, ds, steps=30, stop_grid_update_step=10)
    assert res.test_loss[-1] <= 2e-2
    assert res.test_loss[-1] < 0.2 * res.test_loss[0] or res.test_loss[0] <= 2e-2


@pytest.mark.slow
def test_toy_fit_hellokan_protocol_with_refinement():
    """pykan hellokan: G=3, 50 LBFGS steps (lamb=0.001) ~1.8e-2; refine(10) + 50 steps ~4.7e-4.
    Ours (FIDELITY.md): ~2e-2, then ~3e-3 after refinement (lamb=0: 4.9e-3, then 6.4e-4)."""
    ds = create_dataset(toy_function, 2, seed=0)
    model = KAN([2, 5, 1], grid=3, k=3, seed=42).double()
    first = fit(model, ds, steps=50, lamb=1e-3).test_loss[-1]
    assert first <= 2.5e-2
    model.refine(10, ds["train_input"])
    res = fit(model, ds, steps=50)
    assert res.test_loss[-1] <= 5e-3 and res.test_loss[-1] < 0.5 * first


def test_adam_fit_with_chebyshev_basis_reduces_loss():
    ds = create_dataset(toy_function, 2, train_num=256, test_num=256, seed=1)
    model = KAN([2, 4, 1], basis="chebyshev", seed=0).double()
    res = fit(model, ds, steps=60, opt="Adam", lr=0.05)
    assert res.test_loss[-1] < 0.5 * res.test_loss[0]
