import warnings

import pytest
import torch

import actlab
from actlab.core.errors import ShapeError
from actlab.learnable.grkan import GRKANFFN, GRKANLinear, GroupRational, second_moment
from actlab.learnable.rational import rational_reference

D = torch.float64


def test_groups_share_one_rational_per_block_of_consecutive_channels():
    act = actlab.create("grkan", groups=4)
    with torch.no_grad():
        act.numerator.add_(torch.randn_like(act.numerator) * 0.1)
        act.denominator.add_(torch.randn_like(act.denominator) * 0.1)
    x = torch.randn(3, 5, 16)
    y = act(x)
    for c in range(16):
        g = c // 4
        ref = rational_reference(x[..., c], act.numerator[g], act.denominator[g])
        torch.testing.assert_close(y[..., c], ref, rtol=1e-5, atol=1e-5)


def test_channel_dim_one_for_images_matches_channels_last():
    act = GroupRational(groups=2, init="gelu", dim=3)  # (B, H, W, C)
    with torch.no_grad():
        act.numerator.add_(torch.randn_like(act.numerator) * 0.1)
    x = torch.randn(2, 8, 3, 3)
    img = GroupRational(groups=2, init="gelu", dim=1)
    img.load_state_dict(act.state_dict())
    torch.testing.assert_close(img(x), act(x.movedim(1, -1)).movedim(-1, 1))


def test_group_rational_gradcheck_per_group_coefficients():
    act = GroupRational(groups=2, init="silu").double()
    x = torch.randn(3, 4, dtype=D, requires_grad=True)
    a = act.numerator.detach().clone().requires_grad_()
    b = (act.denominator.detach() + 0.3).requires_grad_()
    from actlab.learnable.rational import rational
    assert torch.autograd.gradcheck(lambda x, a, b: rational(x, a, b, dim=-1), (x, a, b))


def test_second_moment_matches_scipy_quadrature():
    import numpy as np
    from scipy.integrate import quad
    from scipy.special import erf

    def gauss_mean(f):
        return quad(lambda x: f(x) ** 2 * np.exp(-x * x / 2) / np.sqrt(2 * np.pi), -40, 40)[0]

    assert second_moment(lambda x: x) == pytest.approx(1.0, rel=1e-9)
    gelu = gauss_mean(lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))))
    silu = gauss_mean(lambda x: x / (1 + np.exp(-x)))
    assert second_moment(torch.nn.functional.gelu) == pytest.approx(gelu, rel=1e-8)
    assert second_moment(torch.nn.functional.silu) == pytest.approx(silu, rel=1e-8)
    # KAT hard-codes gain² 2.3568 (gelu) and 2.8178 (silu): within 0.3 % of the exact values
    assert 1 / gelu == pytest.approx(2.3568, rel=3e-3) and 1 / silu == pytest.approx(2.8178, rel=3e-3)


def test_grkan_linear_init_preserves_variance():
    torch.manual_seed(0)
    for init in ("identity", "silu"):
        layer = GRKANLinear(256, 256, init=init)
        with torch.no_grad():
            y = layer(torch.randn(4096, 256))
        assert y.var().item() == pytest.approx(1.0, rel=0.15), init


def test_grkan_ffn_is_a_drop_in_ffn_with_unit_output_variance():
    torch.manual_seed(0)
    ffn = GRKANFFN(64)
    x = torch.randn(16, 32, 64)
    y = ffn(x)
    assert y.shape == x.shape
    assert y.var().item() == pytest.approx(1.0, rel=0.25)
    y.sum().backward()
    assert ffn.fc1.act.denominator.grad is not None and ffn.fc2.act.numerator.grad.abs().sum() > 0


def test_channels_not_divisible_by_groups_is_a_shape_error():
    with pytest.raises(ShapeError, match="divisible"):
        GroupRational(groups=8)(torch.randn(2, 12))
    with pytest.raises(ShapeError, match="divisible"):
        GRKANLinear(12, 4)


def test_shared_numerator_variant_has_kat_parameter_count():
    act = GroupRational(groups=8, shared_numerator=True)
    assert sum(p.numel() for p in act.parameters()) == 6 + 4 * 8


def test_swap_replaces_gelu_in_a_model_with_group_rationals():
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 16))
    assert actlab.swap(model, "gelu", "grkan", init="gelu") == 1
    assert isinstance(model[1], GroupRational) and actlab.identify(model[1]) == "grkan"
    x = torch.randn(4, 16)
    ref = model[2](torch.nn.functional.gelu(model[0](x)))
    torch.testing.assert_close(model(x), ref, atol=0.02, rtol=0)   # the fit error of the gelu init


def test_last_axis_grouping_of_a_feature_map_warns_once():
    act = actlab.create("grkan", groups=2)
    x = torch.randn(2, 4, 6, 6)
    with pytest.warns(UserWarning, match="dim=1"):
        act(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        act(x)  # once per module
        actlab.create("grkan", groups=2, dim=1)(x)  # channels: no warning
        actlab.create("grkan", groups=2)(torch.randn(2, 5, 6))  # (B, N, C) tokens: no warning
