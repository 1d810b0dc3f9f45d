"""Extreme inputs, low precision, empty tensors, shapes, in-place behaviour for every entry."""
import pytest
import torch

import actlab
from tests.zoo.conftest import ALL, ELEMENTWISE

LAYERISH = {n for n in ALL if actlab.get(n).kind == "layer"}
RUNNABLE = [n for n in ALL if n not in LAYERISH]


def _input(name, x):
    kind = actlab.get(name).kind
    if kind == "gated":
        return torch.cat([x, x.flip(-1)], dim=-1)
    return x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", RUNNABLE)
def test_finite_output_and_gradient_on_large_inputs(name, dtype):
    x = torch.tensor([-1e4, -300.0, -50.0, -1.0, 0.0, 1.0, 50.0, 300.0, 1e4], dtype=dtype)
    x = _input(name, x).reshape(1, -1).requires_grad_(True)
    m = actlab.create(name).to(dtype)
    y = m(x)
    assert torch.isfinite(y).all(), y
    (g,) = torch.autograd.grad(y.sum(), x)
    assert torch.isfinite(g).all(), g


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("name", RUNNABLE)
def test_low_precision_finite_where_the_true_value_is_representable(name, dtype):
    x = torch.linspace(-60, 60, 97, dtype=torch.float64).reshape(1, -1)
    x = _input(name, x)
    m = actlab.create(name)
    true = m.double()(x)
    got = actlab.create(name).to(dtype)(x.to(dtype))
    limit = torch.finfo(dtype).max
    representable = true.abs() < limit / 2
    assert torch.isfinite(got[representable]).all()


@pytest.mark.parametrize("name", RUNNABLE)
def test_empty_tensor_and_shape_preserved(name):
    kind = actlab.get(name).kind
    m = actlab.create(name)
    x = torch.randn(2, 3, 4, 6)
    y = m(x)
    assert y.shape == ((2, 3, 4, 3) if kind == "gated" else x.shape)
    e = torch.empty(0, 3, 4)
    assert m(e).shape == ((0, 3, 2) if kind == "gated" else e.shape)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if actlab.get(n).supports_inplace])
def test_inplace_equals_out_of_place_and_reuses_storage(name):
    x = torch.randn(64)
    want = actlab.create(name).eval()(x.clone())
    y = actlab.create(name, inplace=True).eval()(x)
    assert y.data_ptr() == x.data_ptr()
    torch.testing.assert_close(y, want)


def test_gated_unit_rejects_odd_sizes_with_a_clear_message():
    with pytest.raises(ValueError, match="even size along dim -1"):
        actlab.create("swiglu")(torch.randn(3, 5))


def test_gated_split_order_is_value_first_gate_second():
    x = torch.randn(4, 8)
    a, b = x.chunk(2, -1)
    torch.testing.assert_close(actlab.create("swiglu")(x), a * torch.nn.functional.silu(b))
    torch.testing.assert_close(actlab.create("glu")(x), torch.nn.functional.glu(x))
    torch.testing.assert_close(actlab.create("geglu", dim=0)(x), x[:2] * torch.nn.functional.gelu(x[2:]))
