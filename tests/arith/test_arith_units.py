"""Arithmetic units against independent references (torch natives, explicit loops, numerical integrals)."""
import math

import pytest
import torch
from scipy import integrate

from actlab.arith.batched import Regularizer
from actlab.arith.units import NAC, NALU, NAU, NMU, Linear, NACMul, nac_init_range
from actlab.core.errors import ShapeError


def test_nau_is_a_clamped_linear_map():
    u = NAU(5, 3)
    with torch.no_grad():
        u.weight.uniform_(-2, 2)
    x = torch.randn(7, 5)
    ref = torch.nn.functional.linear(x, u.weight[0].clamp(-1, 1))
    torch.testing.assert_close(u(x), ref)


def test_nmu_forward_equals_explicit_product():
    u = NMU(4, 2)
    x = torch.randn(6, 4)
    W = u.weight[0]
    ref = torch.ones(6, 2)
    for i in range(2):
        for j in range(4):
            ref[:, i] *= W[i, j] * x[:, j] + 1 - W[i, j]
    torch.testing.assert_close(u(x), ref)


def test_nmu_with_binary_weights_multiplies_the_selected_inputs():
    u = NMU(4, 1)
    with torch.no_grad():
        u.weight.copy_(torch.tensor([[[1.0, 0.0, 1.0, 1.0]]]))
    x = torch.randn(10, 4)
    torch.testing.assert_close(u(x)[:, 0], x[:, 0] * x[:, 2] * x[:, 3])


def test_nmu_learns_to_multiply_and_extrapolates():
    # one NMU layer, 8 seeds at once, target x0·x2 on U[1,2]; checked on U[2,6]
    torch.manual_seed(0)
    u = NMU(4, 1, seeds=8)
    opt = torch.optim.Adam(u.parameters(), lr=0.05)
    for _ in range(300):
        x = torch.rand(8, 64, 4) + 1
        loss = ((u(x)[..., 0] - x[..., 0] * x[..., 2]) ** 2).mean(1).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        u.clamp_()
    z = torch.rand(8, 1000, 4) * 4 + 2
    mse = ((u(z)[..., 0] - z[..., 0] * z[..., 2]) ** 2).mean(1)
    assert (mse < 1e-4).sum() >= 7, mse
    torch.testing.assert_close(u.weight[:, 0].median(0).values, torch.tensor([1.0, 0.0, 1.0, 0.0]), atol=1e-2,
                               rtol=0)


def test_clamping_projects_weights_to_their_domains():
    a, m = NAU(3, 2), NMU(3, 2)
    with torch.no_grad():
        a.weight.fill_(3.0)
        m.weight.fill_(-2.0)
    a.clamp_()
    m.clamp_()
    assert a.weight.max() == 1.0 and m.weight.min() == 0.0


def test_init_ranges_follow_the_reference_code():
    torch.manual_seed(0)
    nau, nmu = NAU(100, 2, seeds=50), NMU(2, 1, seeds=5000)
    assert nau.weight.abs().max() <= math.sqrt(3) * math.sqrt(2 / 102) + 1e-6
    assert nmu.weight.min() >= 0.25 and nmu.weight.max() <= 0.75
    assert nmu.weight.var().item() == pytest.approx(1 / 48, rel=0.1)  # U[0.25, 0.75]


@pytest.mark.parametrize("fi,fo", [(100, 2), (2, 1), (10, 10)])
def test_nac_init_gives_the_glorot_variance(fi, fo):
    r = nac_init_range(fi, fo)
    # Var[tanh(U)·σ(V)] = E[tanh²(U)]·E[σ²(V)], U, V ~ U[-r, r], by numerical integration
    e_t2 = integrate.quad(lambda u: math.tanh(u) ** 2, -r, r)[0] / (2 * r)
    e_s2 = integrate.quad(lambda v: 1 / (1 + math.exp(-v)) ** 2, -r, r)[0] / (2 * r)
    assert e_t2 * e_s2 == pytest.approx(2 / max(fi + fo, 5), rel=1e-6)


def test_nac_mul_is_exp_of_nac_on_log_inputs():
    m = NACMul(3, 2)
    x = torch.rand(5, 3) + 0.5
    W = torch.tanh(m.W_hat[0]) * torch.sigmoid(m.M_hat[0])
    ref = torch.stack([torch.prod((x + 1e-7) ** W[i], dim=1) for i in range(2)], 1)
    torch.testing.assert_close(m(x), ref)


@pytest.mark.parametrize("shared", [True, False])
def test_nalu_gate_selects_the_additive_or_multiplicative_path(shared):
    u = NALU(3, 2, shared=shared)
    x = torch.rand(4, 3) + 1
    with torch.no_grad():
        u.G.fill_(50.0)  # g = 1: pure NAC+
    torch.testing.assert_close(u(x), x @ u.add.weight[0].T)
    with torch.no_grad():
        u.G.fill_(-50.0)  # g = 0: pure NAC•
    wm = u.add.weight[0] if shared else u.mul.weight[0]
    torch.testing.assert_close(u(x), torch.exp(torch.log(x + 1e-7) @ wm.T))


def test_seed_batched_unit_equals_its_unbatched_slices():
    u = Linear(3, 2, seeds=4)
    x = torch.randn(4, 5, 3)
    y = u(x)
    for s in range(4):
        torch.testing.assert_close(y[s], x[s] @ u.weight[s].T + u.bias[s])
    # a shared batch broadcasts over seeds
    torch.testing.assert_close(u(x[0]), torch.stack([x[0] @ u.weight[s].T + u.bias[s] for s in range(4)]))


def test_units_are_float64_differentiable():
    for cls in (NAU, NMU, NAC, NACMul, NALU):
        u = cls(3, 2).double()
        x = (torch.rand(4, 3, dtype=torch.float64) + 0.5).requires_grad_()
        assert torch.autograd.gradcheck(u, (x,)), cls.__name__


def test_wrong_input_shape_raises_shape_error():
    with pytest.raises(ShapeError, match="last dimension 3"):
        NAU(3, 2)(torch.randn(4, 5))
    with pytest.raises(ShapeError, match="S=4"):
        NAU(3, 2, seeds=4)(torch.randn(2, 5, 3))


def test_regularizer_is_the_papers_sparsity_penalty():
    a, m = NAU(2, 2), NMU(2, 2)
    with torch.no_grad():
        a.weight.copy_(torch.tensor([[[0.2, -0.9], [1.0, -0.5]]]))
        m.weight.copy_(torch.tensor([[[0.2, 0.9], [1.0, 0.5]]]))
    assert a.regularizer().item() == pytest.approx((0.2 + 0.1 + 0 + 0.5) / 4)
    assert m.regularizer().item() == pytest.approx((0.2 + 0.1 + 0 + 0.5) / 4)
    assert a.sparsity_error().item() == pytest.approx(0.5)


def test_regularizer_ramp_schedule_values():
    nmu = Regularizer(10.0, 1e6, 2e6)
    assert [nmu(t) for t in (0, 1e6, 1.25e6, 1.5e6, 2e6, 5e6)] == pytest.approx([0, 0, 2.5, 5, 10, 10])
    nau = Regularizer(0.01, 5e3, 5e4)
    assert nau(27_500) == pytest.approx(0.005) and nau(4_999) == 0 and nau(60_000) == pytest.approx(0.01)
    assert nmu.scaled(0.1)(1.5e5) == pytest.approx(5.0)


def test_nmu_forward_clamps_weights_outside_0_1():
    """The forward uses clamp(W, 0, 1) (Madsen & Johansen 2020, eq. 2): a weight of 1.7 selects its input exactly
    as 1 does, -0.4 ignores it as 0 does. The init [0.25, 0.75] never reaches the clamp, so set it by hand."""
    import numpy as np

    u = NMU(3, 2).double()
    W = np.array([[1.7, -0.4, 0.3], [-2.0, 1.2, 0.9]])
    with torch.no_grad():
        u.weight.copy_(torch.from_numpy(W)[None])
    x = np.random.default_rng(0).normal(size=(5, 3))
    Wc = np.clip(W, 0.0, 1.0)  # independent reference: numpy, explicit product
    ref = np.stack([np.prod(Wc[i] * x + 1 - Wc[i], axis=1) for i in range(2)], axis=1)
    torch.testing.assert_close(u(torch.from_numpy(x)), torch.from_numpy(ref))
    torch.testing.assert_close(u(torch.from_numpy(x))[:, 0], torch.from_numpy(x[:, 0] * (0.3 * x[:, 2] + 0.7)))
