"""Moment map, mean-field maps and depth propagation against closed forms and the reference note's values."""
import numpy as np
import pytest
from scipy import integrate

from actlab.analysis import signal
from actlab.core.errors import ParameterError, UnknownNameError


def test_selu_moment_fixed_point_is_zero_one():
    mean, var = signal.moment_fixed_point("selu")
    assert mean == pytest.approx(0.0, abs=1e-9) and var == pytest.approx(1.0, abs=1e-9)


def test_selu_moment_map_matches_adaptive_quadrature():
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    f = lambda z: lam * z if z > 0 else lam * alpha * np.expm1(z)  # noqa: E731
    mu, nu = 0.3, 1.7
    pdf = lambda z: np.exp(-(z - mu) ** 2 / (2 * nu)) / np.sqrt(2 * np.pi * nu)  # noqa: E731
    m = sum(integrate.quad(lambda z: f(z) * pdf(z), a, b)[0] for a, b in ((-40, 0), (0, 40)))
    s = sum(integrate.quad(lambda z: f(z) ** 2 * pdf(z), a, b)[0] for a, b in ((-40, 0), (0, 40)))
    got = signal.moment_map("selu", mu, nu, omega=1.0, tau=1.0)  # z ~ N(μω, ντ) = N(μ, ν)
    assert got == pytest.approx((m, s - m * m), abs=1e-9)


def test_selu_jacobian_is_attracting_and_matches_reference():
    jac = signal.moment_jacobian("selu", 0.0, 1.0)
    assert jac[1, 1] == pytest.approx(0.783, abs=1e-3)   # ∂ν̃/∂ν
    assert jac[0, 1] == pytest.approx(0.089, abs=1e-3)   # ∂μ̃/∂ν
    assert np.abs(np.linalg.eigvals(jac)).max() < 1


def test_selu_fixed_point_moves_with_unnormalised_weights():
    assert signal.moment_fixed_point("selu", omega=0.1, tau=1.1) == pytest.approx((0.055, 1.410), abs=2e-3)
    assert signal.moment_fixed_point("selu", omega=-0.1, tau=0.9) == pytest.approx((-0.030, 0.677), abs=2e-3)


def test_tanh_q_star_and_chi1_spot_values():
    for sw2, q, chi in ((1.5, 0.418, 0.939), (4.0, 2.195, 1.342), (0.5, 0.0876, 0.432)):
        sw, sb = np.sqrt(sw2), np.sqrt(0.05)
        assert signal.q_star("tanh", sw, sb) == pytest.approx(q, abs=1e-3)
        assert signal.chi1("tanh", sw, sb) == pytest.approx(chi, abs=1e-3)


@pytest.mark.parametrize("sb2, sw2", [(0.05, 1.7610), (0.3, 2.5051), (1.0, 3.4432)])
def test_tanh_order_to_chaos_line(sb2, sw2):
    assert signal.critical_sigma_w("tanh", np.sqrt(sb2)) ** 2 == pytest.approx(sw2, abs=1e-3)


def test_relu_chi1_is_half_sigma_w_squared():
    # φ′ = 1[z > 0], so χ₁ = σ_w² / 2 whatever q*: the critical point σ_w² = 2 is He init
    for sw in (1.0, 1.3):
        assert signal.chi1("relu", sw, 0.1) == pytest.approx(sw**2 / 2, abs=1e-9)


def test_correlation_map_fixes_one_with_slope_chi1():
    sw, sb = np.sqrt(1.5), np.sqrt(0.05)
    q = signal.q_star("tanh", sw, sb)
    c1, c2 = signal.correlation_map("tanh", [1.0, 1 - 1e-4], q, sw, sb)
    assert c1 == pytest.approx(1.0, abs=1e-9)
    assert (c1 - c2) / 1e-4 == pytest.approx(signal.chi1("tanh", sw, sb), rel=1e-3)


def test_empirical_selu_propagation_stays_near_zero_one():
    p = signal.propagate("selu", width=512, depth=32, init="lecun", n=256, input_mean=0.7, input_var=2.25)
    assert np.all(np.abs(p.mean[23:]) < 0.05) and np.all(np.abs(p.var[23:] - 1) < 0.05)
    assert abs(p.var[0] - 1) > 0.5  # it started far from the fixed point


def test_relu_he_preserves_second_moment_but_lecun_halves_it():
    he = signal.propagate("relu", width=256, depth=10, init="he", n=128)
    lecun = signal.propagate("relu", width=256, depth=10, init="lecun", n=128)
    sm_he, sm_le = he.var + he.mean**2, lecun.var + lecun.mean**2
    assert sm_he[-1] / sm_he[0] == pytest.approx(1.0, abs=0.3)
    assert sm_le[-1] / sm_le[0] == pytest.approx(0.5**9, rel=0.3)


def test_bad_inputs_raise():
    with pytest.raises(ParameterError, match="not elementwise"):
        signal.moment_map("glu", 0.0, 1.0)
    with pytest.raises(UnknownNameError, match="init"):
        signal.propagate("tanh", init="xavier")
    with pytest.raises(ParameterError, match="no non-trivial"):
        signal.moment_fixed_point("relu")


def test_learnable_activations_work_and_unbuildable_layers_raise():
    m, v = signal.moment_map("rational", 0.0, 1.0)  # its initial (fitted) shape defines the function
    assert np.isfinite(m) and v > 0
    with pytest.raises(ParameterError, match="evonorm_b0 needs num_features"):
        signal.moment_map("evonorm_b0", 0.0, 1.0)
