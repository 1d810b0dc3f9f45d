import pytest
import torch
from torch import nn

import actlab
from actlab.core.errors import ParameterError, UnknownNameError


def test_zoo_has_at_least_fifty_entries():
    assert len(actlab.names()) >= 50


def test_unknown_name_suggests_close_matches():
    with pytest.raises(KeyError) as e:
        actlab.get("gleu")
    assert "glu" in str(e.value) and "gelu" in str(e.value)
    assert isinstance(e.value, ValueError) and isinstance(e.value, UnknownNameError)


def test_aliases_resolve_to_the_same_spec():
    assert actlab.get("swish") is actlab.get("silu")
    assert actlab.get("Gelu-New") is actlab.get("gelu_tanh")


def test_bad_parameter_names_the_parameter_and_range():
    with pytest.raises(ParameterError, match=r"alpha.*\[0, inf\)"):
        actlab.create("elu", alpha=-1.0)
    with pytest.raises(ParameterError, match="alpah"):
        actlab.functional("elu")(torch.zeros(2), alpah=1.0)


def test_family_filter_and_unknown_family():
    assert "snake" in actlab.names("periodic") and "relu" not in actlab.names("periodic")
    with pytest.raises(UnknownNameError, match="periodic"):
        actlab.names("periodc")


def test_create_none_gives_identity_and_class_passthrough():
    assert isinstance(actlab.create(None), nn.Identity)
    m = actlab.create(nn.ReLU, inplace=True)
    assert isinstance(m, nn.ReLU) and m.inplace


def test_learnable_parameters_are_parameters_and_per_channel_broadcasts():
    m = actlab.create("prelu", num_parameters=3)
    assert [n for n, _ in m.named_parameters()] == ["a"]
    x = torch.randn(2, 3, 5)
    torch.testing.assert_close(m(x), torch.nn.functional.prelu(x, torch.full((3,), 0.25)))
    m2 = actlab.create("smelu", learnable=True)
    assert isinstance(m2.beta, nn.Parameter)


def test_extra_repr_shows_hyper_parameters():
    assert "negative_slope=0.2" in repr(actlab.create("leaky_relu", negative_slope=0.2))
    assert "inplace=True" in repr(actlab.create("relu", inplace=True))


def test_inplace_modifies_input_where_supported_and_is_dropped_where_not():
    x = torch.randn(10)
    ref = torch.relu(x)
    out = actlab.create("relu", inplace=True)(x)
    assert out.data_ptr() == x.data_ptr() and torch.equal(x, ref)
    assert not getattr(actlab.create("gelu", inplace=True), "inplace", False)
    with pytest.raises(ParameterError):
        actlab.functional("gelu")(x, inplace=True)
