"""`actlab.kan.bspline.design`: every method gives the Cox–de Boor values, on uniform and on adapted knots."""
import pytest
import torch

from actlab.core.errors import UnknownNameError
from actlab.kan.bspline import METHODS, adaptive_grid, design, extend_grid
from actlab.kan.bspline.recursion import bspline_basis


def _reference(x, knots, k):
    """Cox–de Boor written out per basis and input with Python floats (independent of every tensor kernel)."""
    t = knots.tolist()
    out = torch.zeros(x.shape[0], knots.shape[1] - 1 - k, x.shape[1], dtype=torch.float64)

    def b(m, p, v, ti):
        if p == 0:
            return 1.0 if ti[m] <= v < ti[m + 1] else 0.0
        left = (v - ti[m]) / (ti[m + p] - ti[m]) * b(m, p - 1, v, ti) if ti[m + p] > ti[m] else 0.0
        right = (ti[m + p + 1] - v) / (ti[m + p + 1] - ti[m + 1]) * b(m + 1, p - 1, v, ti) \
            if ti[m + p + 1] > ti[m + 1] else 0.0
        return left + right

    for r in range(x.shape[0]):
        for i in range(x.shape[1]):
            for m in range(out.shape[1]):
                out[r, m, i] = b(m, k, float(x[r, i]), t[i])
    return out


@pytest.mark.parametrize("method", [m for m in METHODS if m != "compiled"])
@pytest.mark.parametrize("adapted", [False, True])
def test_every_method_equals_cox_de_boor(method, adapted):
    torch.manual_seed(0)
    x = torch.rand(9, 3, dtype=torch.float64) * 1.8 - 0.9
    interior = torch.linspace(-1, 1, 5, dtype=torch.float64).expand(3, 5).clone()
    if adapted:  # quantile knots: not uniform, so every method takes its general path
        interior = adaptive_grid(torch.randn(64, 3, dtype=torch.float64).clamp(-1, 1), 4, 0.02)
    knots = extend_grid(interior, 3)
    got = design(x, knots, 3, method)
    assert got.shape == (9, 7, 3)
    torch.testing.assert_close(got, _reference(x, knots, 3), atol=1e-12, rtol=0)


def test_design_is_the_transposed_basis_and_unknown_methods_are_refused():
    x = torch.rand(4, 2, dtype=torch.float64)
    knots = extend_grid(torch.linspace(-1, 1, 4, dtype=torch.float64).expand(2, 4).clone(), 2)
    torch.testing.assert_close(design(x, knots, 2), bspline_basis(x, knots, 2).transpose(1, 2))
    with pytest.raises(UnknownNameError, match="did you mean: matrix"):
        design(x, knots, 2, "matrx")
