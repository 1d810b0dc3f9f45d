"""MLP, CNN and TinyLM: shapes, act= really sets the activation modules, gated FFN semantics, causality."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import actlab
from actlab.core.errors import ParameterError, ShapeError, UnknownNameError
from actlab.models import CNN, MLP, FeedForward, GateWith, TinyLM


def _acts(model):
    return [actlab.identify(m) for m in model.modules() if actlab.identify(m) is not None]


BUILDERS = {
    "mlp": lambda act: MLP(64, [16, 16], 10, act=act),
    "cnn2d": lambda act: CNN((1, 8, 8), 10, channels=[4, 8], act=act),
    "cnn1d": lambda act: CNN((1, 40), 10, channels=[4, 8], act=act),
    "tinylm": lambda act: TinyLM(20, d_model=16, n_layers=2, n_heads=2, d_ff=32, act=act, max_len=8),
}


@pytest.mark.parametrize("kind", BUILDERS)
@pytest.mark.parametrize("act", ["relu", "gelu", "silu", "mish"])
def test_act_sets_every_activation_module(kind, act):
    assert _acts(BUILDERS[kind](act)) == [act, act]


@pytest.mark.parametrize("kind", BUILDERS)
def test_swapping_act_changes_the_computation(kind):
    a, b = BUILDERS[kind]("relu"), BUILDERS[kind]("tanh")
    b.load_state_dict(a.state_dict())
    x = torch.randint(0, 20, (3, 8)) if kind == "tinylm" else torch.randn(3, 40 if kind == "cnn1d" else 64)
    assert not torch.allclose(a(x), b(x))


def test_mlp_matches_manual_composition():
    m = MLP(5, [7], 3, act="silu")
    lin1, act, lin2 = m.layers
    x = torch.randn(4, 5)
    assert torch.allclose(m(x), F.linear(F.silu(F.linear(x, lin1.weight, lin1.bias)), lin2.weight, lin2.bias))


def test_mlp_gated_unit_doubles_the_hidden_linear():
    m = MLP(6, [8, 4], 2, act="swiglu")
    widths = [l.out_features for l in m.layers if isinstance(l, nn.Linear)]
    assert widths == [16, 8, 2] and m(torch.randn(3, 6)).shape == (3, 2)


def test_cnn_gated_unit_gates_over_channels():
    m = CNN((1, 8, 8), 10, channels=[4], act="glu")
    conv, glu = m.features[0], m.features[1]
    x = torch.randn(2, 1, 8, 8)
    h = conv(x)
    assert conv.out_channels == 8
    assert torch.allclose(glu(h), F.glu(h, dim=1))


def test_cnn_accepts_flat_and_shaped_inputs_alike():
    m = CNN((1, 28, 28), 10, act="relu")
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(m(x), m(x.flatten(1))) and m(x).shape == (2, 10)
    with pytest.raises(ShapeError):
        m(torch.randn(2, 1, 27, 27))


def test_module_instance_is_copied_per_site():
    m = MLP(4, [4, 4], 2, act=nn.PReLU())
    prelus = [x for x in m.modules() if isinstance(x, nn.PReLU)]
    assert len(prelus) == 2 and prelus[0].weight is not prelus[1].weight


def test_zero_arg_factory_and_class_are_accepted():
    assert _acts(MLP(4, [4], 2, act=lambda: nn.Hardswish())) == ["hardswish"]
    assert _acts(MLP(4, [4], 2, act=nn.ELU)) == ["elu"]


def test_unknown_activation_name_suggests_close_names():
    with pytest.raises(UnknownNameError, match="gelu"):
        MLP(4, [4], 2, act="gelw")


def test_factory_returning_non_module_is_rejected():
    with pytest.raises(ParameterError, match="not an nn.Module"):
        MLP(4, [4], 2, act=lambda: 3)


def test_swiglu_ffn_equals_value_times_silu_gate():
    torch.manual_seed(0)
    ffn = FeedForward(8, 6, act="swiglu")
    x = torch.randn(5, 8)
    u = ffn.up(x)
    a, b = u[:, :6], u[:, 6:]
    assert torch.allclose(ffn(x), ffn.down(a * F.silu(b)), atol=1e-6)


def test_gated_true_wraps_an_elementwise_act_into_the_same_unit_as_swiglu():
    torch.manual_seed(0)
    f1 = FeedForward(8, 6, act="swiglu")
    f2 = FeedForward(8, 6, act="silu", gated=True)
    f2.load_state_dict(f1.state_dict())
    assert isinstance(f2.act, GateWith) and actlab.identify(f2.act.act) == "silu"
    x = torch.randn(3, 8)
    assert torch.allclose(f1(x), f2(x), atol=1e-6)


def test_gated_unit_with_gated_false_is_an_error():
    with pytest.raises(ParameterError, match="gated"):
        FeedForward(8, 6, act="swiglu", gated=False)


def test_tinylm_is_causal():
    torch.manual_seed(0)
    m = TinyLM(20, d_model=16, n_layers=2, n_heads=2, d_ff=32, act="gelu", max_len=8).eval()
    x = torch.randint(0, 20, (2, 8))
    y = x.clone()
    y[:, 5:] = (y[:, 5:] + 1) % 20
    assert torch.allclose(m(x)[:, :5], m(y)[:, :5], atol=1e-6)
    assert not torch.allclose(m(x)[:, 5:], m(y)[:, 5:])


def test_tinylm_head_is_tied_and_length_is_checked():
    m = TinyLM(20, d_model=16, n_heads=2, d_ff=32, max_len=8)
    assert m.head.weight is m.tok.weight and len(m.ffns()) == 2
    with pytest.raises(ShapeError, match="max_len"):
        m(torch.zeros(1, 9, dtype=torch.long))
