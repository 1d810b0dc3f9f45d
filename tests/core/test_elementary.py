"""The shared vocabulary of elementary functions: each torch function is its sympy form, numerically."""
import pytest
import sympy as sp
import torch

import actlab
from actlab.core.elementary import ELEMENTARY, EXP_CLAMP, closed_sigmoid, sigmoid, softplus, to_standard

X = sp.Symbol("x", real=True)
POINTS = [0.37, 0.81, 1.3, 2.2]  # inside every function's domain (log, sqrt, 1/x, tan)


@pytest.mark.parametrize("name", ELEMENTARY.names())
def test_torch_function_equals_the_sympy_form(name):
    e = ELEMENTARY.get(name)
    expr = to_standard(e.sympy(X))
    ref = torch.tensor([float(expr.subs(X, sp.Float(p, 30)).evalf(20)) for p in POINTS], dtype=torch.float64)
    torch.testing.assert_close(e.torch(torch.tensor(POINTS, dtype=torch.float64)), ref, rtol=1e-12, atol=1e-12)
    if e.head is not None:  # the compiler's key: the sympy node this function makes
        assert e.sympy(X).func is e.head


def test_overflowing_functions_are_clamped_only_where_asked():
    exp = ELEMENTARY.get("exp")
    big = torch.tensor([100.0], dtype=torch.float64)
    assert exp.torch(big).item() == pytest.approx(float(sp.exp(100)))
    assert exp.clamped()(big).item() == pytest.approx(float(sp.exp(EXP_CLAMP)))
    assert ELEMENTARY.get("tanh").clamped() is ELEMENTARY.get("tanh").torch


def test_one_sympy_dialect_for_sigmoid_and_softplus():
    assert to_standard(sigmoid(X)) == closed_sigmoid(X) == 1 / (1 + sp.exp(-X))
    assert to_standard(softplus(X)) == sp.log(1 + sp.exp(X))
    # the zoo writes the same closed forms
    assert sp.simplify(actlab.get("sigmoid").expr() - to_standard(sigmoid(sp.Symbol("x", real=True)))) == 0
    assert sp.diff(softplus(X), X) == sigmoid(X)
