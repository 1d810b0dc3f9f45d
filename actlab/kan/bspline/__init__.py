"""B-splines for KANs: one public function, `design`, and the two KAN bases built on it.

``design(x, knots, k, method)`` -> (B, K, in), basis-major: ``out[b, m, i] = B_m(x[b, i])`` for the order-``k``
B-splines on the knots (in, n) of each input (K = n - 1 - k). Every method gives the same values (to rounding);
they differ in speed and in which derivatives they carry:

======== =============================================================== ==================================
method    how                                                            derivatives
======== =============================================================== ==================================
fast      uniform knots: cardinal B-splines by a truncated-power sum       closed-form backward; autograd-
          (`cardinal.py`); any knots: Cox–de Boor in basis-major layout     visible under create_graph (any
          with per-level knot tables (`deboor.py`)                         order)
matrix    MatrixKAN: the k+1 non-zero values per input from                same
          [1, u, …, u^k]·Ψ_k (`matrix_fast.py`, Ψ_k in `psi.py`); uniform
          knots only, else as ``fast``
eager     Cox–de Boor with autograd through every level (`recursion.py`)  any order (slowest)
compiled  torch.compile of the dense Ψ_k form (uniform) or of the         first only
          recursion (`psi.py`, `recursion.py`)
======== =============================================================== ==================================

Grid operations (pykan semantics) live in `recursion.py`: `extend_grid`, `adaptive_grid`, `fit_coef`. The
KAN bases: `BSplineBasis` ("bspline", `basis.py`) and `MatrixBSplineBasis` ("matrix", `matrix.py`); temporaries
of the fast kernels use `actlab.kan.scratch`.
"""
from __future__ import annotations

from torch import Tensor

from actlab.core.errors import UnknownNameError
from actlab.kan.bspline.basis import BACKENDS, BSplineBasis
from actlab.kan.bspline.cardinal import cardinal_design
from actlab.kan.bspline.deboor import LevelTables, bspline_design, fast_bspline_basis, is_uniform
from actlab.kan.bspline.matrix import MatrixBSplineBasis
from actlab.kan.bspline.matrix_fast import matrix_design
from actlab.kan.bspline.psi import compiled_matrix_basis, matrix_bspline_basis, psi_matrix
from actlab.kan.bspline.recursion import (adaptive_grid, bspline_basis, compiled_bspline_basis, extend_grid,
                                          fit_coef)

METHODS = ("fast", "matrix", "eager", "compiled")


def design(x: Tensor, knots: Tensor, k: int, method: str = "fast") -> Tensor:
    """B-spline values (B, K, in), basis-major, of inputs ``x`` (B, in) on ``knots`` (in, n); K = n - 1 - k."""
    if method not in METHODS:
        raise UnknownNameError("B-spline method", method, METHODS)
    B, n_in = x.shape
    uniform = is_uniform(knots)
    if method == "matrix" and uniform:
        return matrix_design(x.contiguous(), knots, k)
    if method in ("fast", "matrix"):
        return bspline_design(x, knots, k, uniform=uniform).view(B, -1, n_in)
    if method == "eager":
        return bspline_basis(x, knots, k).transpose(1, 2)
    fn = compiled_matrix_basis if uniform else compiled_bspline_basis
    return fn(x, knots, k).transpose(1, 2)


__all__ = ["BACKENDS", "METHODS", "BSplineBasis", "LevelTables", "MatrixBSplineBasis", "adaptive_grid",
           "bspline_basis", "bspline_design", "cardinal_design", "compiled_bspline_basis", "compiled_matrix_basis",
           "design", "extend_grid", "fast_bspline_basis", "fit_coef", "is_uniform", "matrix_bspline_basis",
           "matrix_design", "psi_matrix"]
