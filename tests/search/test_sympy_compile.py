"""The sympy→torch compiler matches torch natives and the parser accepts only whitelisted syntax."""
import pytest
import torch
import torch.nn.functional as F

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.symbolic import CompileError, compile_expr, parse_expression


@pytest.mark.parametrize("text, native", [
    ("x*sigmoid(x)", F.silu),
    ("max(x, 0)", torch.relu),
    ("softplus(x)", F.softplus),
    ("x*tanh(softplus(x))", F.mish),
    ("x*(1 + erf(x/sqrt(2)))/2", F.gelu),
])
def test_compiled_expression_matches_torch_native(text, native):
    f = compile_expr(parse_expression(text))
    x = torch.linspace(-8, 8, 401, dtype=torch.float64)
    torch.testing.assert_close(f(x), native(x))


def test_sinc_is_unnormalised_with_finite_gradient_at_zero():
    f = compile_expr(parse_expression("sinc(x)"))
    x = torch.tensor([0.0, 1.0, -2.5], dtype=torch.float64, requires_grad=True)
    y = f(x)
    torch.testing.assert_close(y.detach(), torch.tensor([1.0, torch.sin(torch.tensor(1.0)).item(),
                                                         (torch.sin(torch.tensor(-2.5)) / -2.5).item()],
                                                        dtype=torch.float64))
    y.sum().backward()
    assert torch.isfinite(x.grad).all() and abs(x.grad[0].item()) < 1e-12


def test_sigmoid_and_softplus_gradients_stay_finite_for_huge_inputs():
    f = compile_expr(parse_expression("x*sigmoid(x) + softplus(-x)"))
    x = torch.tensor([-1e4, 1e4], requires_grad=True)
    f(x).sum().backward()
    assert torch.isfinite(x.grad).all()


def test_trainable_scalars_are_gradchecked_in_float64():
    f = compile_expr(parse_expression("x*sigmoid(b0*x) + b1*sin(x)"))
    x = torch.randn(7, dtype=torch.float64, requires_grad=True)
    b0 = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(-0.3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, b0, b1: f(x, {"b0": b0, "b1": b1}), (x, b0, b1))


def test_unknown_primitive_is_named_in_the_error():
    with pytest.raises(UnknownNameError, match="unknown primitive 'swoosh'"):
        parse_expression("swoosh(x)")


def test_malformed_expression_is_a_config_error():
    with pytest.raises(ConfigError, match="malformed expression"):
        parse_expression("x * (sigmoid(x)")


@pytest.mark.parametrize("text", ["__import__('os').system('true')", "x.real", "(lambda: 1)()", "[x][0]"])
def test_parser_rejects_code_it_does_not_whitelist(text):
    with pytest.raises((ConfigError, UnknownNameError)):
        parse_expression(text)


def test_unsupported_sympy_function_is_a_compile_error_naming_it():
    import sympy as sp

    with pytest.raises(CompileError, match="gamma"):
        compile_expr(sp.gamma(sp.Symbol("x", real=True)))
