import numpy as np
import pytest
import torch
import torch.nn.functional as F

import actlab
from actlab.core.errors import ParameterError, ShapeError
from actlab.learnable.fit import fit_rational, rational_numpy
from actlab.learnable.rational import Rational, rational, rational_reference

D = torch.float64


def _coeffs(m=5, n=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(m + 1, generator=g, dtype=D, requires_grad=True)
    b = torch.randn(n, generator=g, dtype=D, requires_grad=True)
    return a, b


def test_default_init_fits_leaky_relu_within_003_max_abs():
    act = actlab.create("rational")
    x = torch.linspace(-3, 3, 30001)
    with torch.no_grad():
        err = (act(x) - F.leaky_relu(x, 0.01)).abs().max().item()
    assert err <= 0.03
    assert act.fit_error <= 0.03 and act.fit_error == pytest.approx(err, abs=2e-3)


def test_fit_reports_error_for_any_zoo_entry():
    fit = fit_rational("tanh")
    x = np.linspace(-3, 3, 5001)
    true = np.abs(rational_numpy(x, np.array(fit.a), np.array(fit.b)) - np.tanh(x)).max()
    assert fit.max_error == pytest.approx(true, rel=0.05, abs=1e-9) and fit.max_error < 1e-3


def test_custom_backward_passes_gradcheck_in_float64():
    a, b = _coeffs()
    x = torch.randn(80, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, a, b: rational(x, a, b), (x, a, b))


@pytest.mark.parametrize("m,n", [(0, 2), (1, 0), (3, 2), (2, 5)])
def test_custom_backward_gradcheck_other_orders(m, n):
    a, b = _coeffs(m, n, seed=m + n)
    x = torch.randn(50, dtype=D, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, a, b: rational(x, a, b), (x, a, b))


# the compiled path is inductor (~1 min cold compile on the 2-core VM): slow-marked
@pytest.mark.parametrize("backend,shape,seed", [("eager", (4, 7, 5), 3),
                                                pytest.param("compiled", (2000,), 11, marks=pytest.mark.slow)])
def test_forward_and_gradients_equal_naive_autograd_composite(backend, shape, seed):
    a, b = _coeffs(seed=seed)
    x = torch.randn(*shape, dtype=D, requires_grad=True)
    y, ref = rational(x, a, b, backend=backend), rational_reference(x, a, b)
    torch.testing.assert_close(y, ref)
    g = torch.randn_like(y)
    for u, v in zip(torch.autograd.grad(y, (x, a, b), g), torch.autograd.grad(ref, (x, a, b), g)):
        torch.testing.assert_close(u, v)


def test_denominator_is_at_least_one_so_no_poles():
    a, b = _coeffs(seed=5)
    x = torch.linspace(-50, 50, 2001, dtype=D)
    num = sum(a[j] * x ** j for j in range(6))
    q = num / rational(x, a, b)
    assert (q >= 1 - 1e-9).all() and torch.isfinite(q).all()


def test_saves_only_input_for_backward():
    a, b = _coeffs()
    x = torch.randn(1000, dtype=D, requires_grad=True)
    node = rational(x, a, b).grad_fn
    while "RationalFunction" not in type(node).__name__:
        node = node.next_functions[0][0]
    assert sorted(t.numel() for t in node.saved_tensors) == [4, 6, 1000]


def test_chunked_large_input_matches_reference():
    a, b = _coeffs(seed=7)
    x = torch.randn(600_000, dtype=D, requires_grad=True)   # above the chunk size
    y = rational(x, a, b)
    ref = rational_reference(x, a, b)
    torch.testing.assert_close(y, ref)
    g = torch.randn_like(y)
    for u, v in zip(torch.autograd.grad(y, (x, a, b), g), torch.autograd.grad(ref, (x, a, b), g)):
        torch.testing.assert_close(u, v, rtol=1e-9, atol=1e-8)


def test_zero_denominator_coefficients_still_receive_gradient():
    act = Rational(init="identity")
    assert (act.denominator == 0).all()
    act(torch.linspace(-2, 2, 101)).pow(2).sum().backward()
    assert act.denominator.grad.abs().sum() > 0


def test_rational_trains_towards_a_target():
    torch.manual_seed(0)
    act = Rational(init="identity")
    x = torch.linspace(-3, 3, 200)
    opt = torch.optim.Adam(act.parameters(), 1e-2)
    loss0 = None
    for _ in range(150):
        loss = (act(x) - torch.tanh(x)).pow(2).mean()
        loss0 = loss0 or loss.item()
        opt.zero_grad(), loss.backward(), opt.step()
    assert loss.item() < 0.05 * loss0


def test_bad_orders_and_targets_raise_clear_errors():
    with pytest.raises(ParameterError, match="order"):
        Rational(m=-1)
    with pytest.raises(ParameterError, match="order"):
        Rational(n=2.5)
    with pytest.raises(ParameterError, match="gated"):
        Rational(init="swiglu")
    with pytest.raises(KeyError, match="leaky_relu"):
        Rational(init="leaky_relo")
    with pytest.raises(ParameterError, match="interval"):
        Rational(interval=(3, -3))
    with pytest.raises(ShapeError, match="coefficients"):
        rational(torch.zeros(3), torch.zeros(2, 6), torch.zeros(3, 4))


def test_constant_numerator_fits_a_bump_and_rejects_identity_init():
    act = actlab.create("rational", m=0, n=2, init="gaussian")  # 1/(1+|b1||x|+|b2|x²) family fits a bump
    x = torch.linspace(-3, 3, 601)
    assert (act(x) - torch.exp(-x ** 2)).abs().max().item() == pytest.approx(act.fit_error, rel=0.05, abs=1e-3)
    with pytest.raises(ParameterError, match="m >= 1"):
        actlab.create("rational", m=0, n=2, init="identity")
