import pytest
import torch
import torch.nn.functional as F

from actlab.core.errors import ParameterError, ShapeError, UnknownNameError
from actlab.models.gated_mlp import PRESETS, GatedMLP

GATES = {"glu": torch.sigmoid, "reglu": torch.relu, "geglu": F.gelu, "swiglu": F.silu, "bilinear": lambda t: t}


def _manual(m: GatedMLP, x: torch.Tensor, gate) -> torch.Tensor:
    """Shazeer 2020: (x W_v ⊙ g(x W_g)) W_out, W_v = first half of the input projection, W_g = second half."""
    w_v, w_g = m.proj_in.weight[: m.hidden], m.proj_in.weight[m.hidden:]
    return (x @ w_v.t() * gate(x @ w_g.t())) @ m.proj_out.weight.t()


@pytest.mark.parametrize("preset", PRESETS)
def test_presets_equal_manual_formulas(preset):
    torch.manual_seed(0)
    m = GatedMLP(8, 16, act=preset)
    x = torch.randn(5, 8)
    torch.testing.assert_close(m(x), _manual(m, x, GATES[preset]))


def test_any_zoo_entry_can_be_the_gate_with_the_same_split_order():
    torch.manual_seed(0)
    m = GatedMLP(6, 10, act="mish", out=3)
    x = torch.randn(2, 4, 6)
    assert m(x).shape == (2, 4, 3)
    torch.testing.assert_close(m(x), _manual(m, x, F.mish))


def test_named_elementwise_gate_equals_its_gated_preset():
    torch.manual_seed(0)
    a = GatedMLP(8, 12, act="swiglu")
    b = GatedMLP(8, 12, act="silu")
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 8)
    torch.testing.assert_close(a(x), b(x))


def test_bias_option_adds_biases():
    m = GatedMLP(4, 4, act="reglu", bias=True)
    assert m.proj_in.bias is not None and m.proj_out.bias is not None
    assert GatedMLP(4, 4).proj_in.bias is None


def test_unknown_preset_suggests_close_names():
    with pytest.raises(UnknownNameError, match="swiglu"):
        GatedMLP(8, 16, act="swigly")


def test_bad_sizes_and_shapes_raise_clear_errors():
    with pytest.raises(ParameterError, match="hidden"):
        GatedMLP(8, 0)
    with pytest.raises(ShapeError, match=r"\(\*, 8\)"):
        GatedMLP(8, 16)(torch.randn(3, 7))
