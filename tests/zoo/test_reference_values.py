"""Every zoo entry against an independent reference: torch natives, sympy closed forms and derivatives."""
import numpy as np
import pytest
import sympy as sp
import torch

import actlab
from tests.zoo.conftest import WITH_NATIVE, WITH_SYMPY

# grid that avoids the kinks of piecewise entries (0, ±λ, ±β, ±3, 6, ...) by an irrational offset
GRID = torch.linspace(-5.0, 7.0, 241, dtype=torch.float64) + 1e-3 * np.sqrt(2)


def _inputs(spec, x):
    return torch.stack([x, x * 0.5 - 1], dim=-1) if spec.kind == "gated" else x


@pytest.mark.parametrize("name", WITH_NATIVE)
def test_equals_torch_native_values_and_grads(name):
    spec = actlab.get(name)
    x = _inputs(spec, GRID.clone()).requires_grad_(True)
    x2 = x.detach().clone().requires_grad_(True)
    ours = actlab.create(name).double().eval()(x)
    ref = spec.native(x2)
    torch.testing.assert_close(ours, ref)
    g = torch.randn_like(ours)
    (ga,) = torch.autograd.grad(ours, x, g)
    (gb,) = torch.autograd.grad(ref, x2, g)
    torch.testing.assert_close(ga, gb)


def _sympy_callables(spec):
    x = sp.Symbol("x", real=True)
    e = spec.expr()
    f = sp.lambdify(x, e, modules=["scipy", "numpy"])
    df = sp.lambdify(x, sp.diff(e, x), modules=["scipy", "numpy"])
    return f, df


@pytest.mark.parametrize("name", WITH_SYMPY)
def test_values_and_derivative_match_sympy(name):
    spec = actlab.get(name)
    lo, hi = spec.plot_range
    x = torch.linspace(lo, hi, 241, dtype=torch.float64) + 1e-3 * np.sqrt(2) * (hi - lo) / 8
    f, df = _sympy_callables(spec)
    want = np.broadcast_to(np.asarray(f(x.numpy()), dtype=np.float64), x.shape)
    xt = x.clone().requires_grad_(True)
    y = actlab.create(name).double().eval()(xt)
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=1e-6, atol=1e-6)
    if spec.grad == "surrogate":
        return  # backward is deliberately not f'; checked against its own definition elsewhere
    (dy,) = torch.autograd.grad(y.sum(), xt)
    dwant = np.broadcast_to(np.asarray(df(x.numpy()), dtype=np.float64), x.shape)
    np.testing.assert_allclose(dy.numpy(), dwant, rtol=1e-5, atol=1e-6)


def test_parameterised_entries_reduce_to_their_special_cases():
    x = GRID.clone()
    f = actlab.functional
    torch.testing.assert_close(f("swish_beta")(x, beta=1.0), torch.nn.functional.silu(x))
    torch.testing.assert_close(f("xsilu")(x, alpha=0.0), torch.nn.functional.silu(x))
    torch.testing.assert_close(f("xgelu")(x, alpha=0.0), torch.nn.functional.gelu(x))
    torch.testing.assert_close(f("generalized_smelu")(x, alpha=1.5, beta=1.5), f("smelu")(x, beta=1.5))
    torch.testing.assert_close(f("relu_n")(x, n=6.0), torch.nn.functional.relu6(x))
    torch.testing.assert_close(f("crrelu")(x, eps=0.0), torch.relu(x))
    torch.testing.assert_close(f("cats")(x, t=0.0), torch.nn.functional.silu(x))


def test_gelu_tanh_and_quick_gelu_approximate_gelu_within_known_error():
    x = torch.linspace(-8, 8, 20001, dtype=torch.float64)
    exact = torch.nn.functional.gelu(x)
    assert (actlab.functional("gelu_tanh")(x) - exact).abs().max() < 5e-4
    assert (actlab.functional("quick_gelu")(x) - exact).abs().max() < 2.1e-2


def test_selu_maps_standard_normal_to_mean_zero_unit_variance():
    g = torch.Generator().manual_seed(0)
    y = actlab.functional("selu")(torch.randn(2_000_000, generator=g, dtype=torch.float64))
    assert abs(y.mean().item()) < 5e-3 and abs(y.var().item() - 1) < 5e-3


def test_polynorm_is_rowwise_rms_normalised_not_elementwise():
    x = torch.randn(4, 16, dtype=torch.float64)
    y = actlab.functional("polynorm")(x, a3=0.0, a2=0.0, a1=1.0, a0=0.0, eps=1e-300)
    torch.testing.assert_close(y, x / x.pow(2).mean(-1, keepdim=True).sqrt())
    x2 = x.clone()
    x2[0, 0] += 5.0
    y2 = actlab.functional("polynorm")(x2)
    assert not torch.allclose(y2[0, 1:], actlab.functional("polynorm")(x)[0, 1:])
