"""Bad arguments give actlab errors that name the argument, what was given and what is allowed."""
import pytest
import torch

from actlab.core.errors import ParameterError, ShapeError, UnknownNameError
from actlab.kan import KAN, KANLayer, fix_symbolic, symbolic_formula


def test_grid_below_one_is_rejected():
    with pytest.raises(ParameterError, match="grid must be >= 1, got 0"):
        KANLayer(2, 3, basis="bspline", grid=0)


def test_unknown_basis_lists_valid_names():
    with pytest.raises(UnknownNameError) as e:
        KANLayer(2, 3, basis="bsplin")
    msg = str(e.value)
    assert "bspline" in e.value.suggestions and "chebyshev" in msg and "fourier" in msg


def test_unknown_basis_parameter_names_valid_ones():
    with pytest.raises(ParameterError, match="unknown parameter.*'degre'.*degree"):
        KANLayer(2, 3, basis="chebyshev", degre=4)


def test_wrong_input_width_is_a_shape_error():
    layer = KANLayer(3, 2)
    with pytest.raises(ShapeError, match="in_features=3.*\\(5, 4\\)"):
        layer(torch.randn(5, 4))


@pytest.mark.parametrize("widths", [[3], 4, [2, 0, 1], [2, 1.5]])
def test_bad_widths_are_rejected(widths):
    with pytest.raises(ParameterError):
        KAN(widths)


def test_grid_ops_need_an_adaptive_grid():
    with pytest.raises(ParameterError, match="bspline"):
        KANLayer(2, 2, basis="chebyshev").refine(10)


def test_symbolic_formula_refuses_spline_edges_and_bad_edge_indices():
    model = KAN([2, 1])
    with pytest.raises(ParameterError, match="still a spline"):
        symbolic_formula(model)
    with pytest.raises(ParameterError, match="out of range"):
        fix_symbolic(model, 0, 5, 0, "sin")
    with pytest.raises(UnknownNameError):
        fix_symbolic(model, 0, 0, 0, "not_a_function")
