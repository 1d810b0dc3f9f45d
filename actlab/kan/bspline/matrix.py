"""The "matrix" KAN basis: the bspline basis evaluated the MatrixKAN way (Coffman & Chen 2025, arXiv 2502.07176;
kan_learnable.md §2.6): `matrix_fast.matrix_design` by default, the dense Ψ_k form of `psi.py` for "eager" and
"compiled", Cox–de Boor once a grid update has made the knots non-uniform.
"""
from __future__ import annotations

from torch import Tensor

from actlab.kan.basis import register_basis
from actlab.kan.bspline.basis import BSplineBasis
from actlab.kan.bspline.deboor import bspline_design
from actlab.kan.bspline.matrix_fast import matrix_design
from actlab.kan.bspline.psi import compiled_matrix_basis, matrix_bspline_basis
from actlab.kan.bspline.recursion import bspline_basis


@register_basis("matrix", small={"grid": 3})
class MatrixBSplineBasis(BSplineBasis):
    """The bspline basis (same parameters, grid updates, refinement) evaluated the MatrixKAN way.

    Shape: (B, in) -> (B, in, G+k).
    """

    def features(self, u: Tensor) -> Tensor:
        if self.backend == "fast":
            return self.major(u).transpose(1, 2)
        knots = self.knots.to(u.dtype)
        if self._knot_info(knots)[0]:
            fn = compiled_matrix_basis if self.backend == "compiled" else matrix_bspline_basis
            return fn(u, knots, self.k)
        return bspline_basis(u, knots, self.k)

    def design(self, u: Tensor) -> tuple[Tensor, bool]:
        """backend "fast" (default): the MatrixKAN algorithm (`matrix_fast.matrix_design`) on uniform knots, the
        bspline basis' own fast path after a grid update; "eager": every piece of the dense tensor from Ψ_k;
        "compiled": that, fused by torch.compile."""
        if self.backend != "fast":
            return self.features(u).reshape(u.shape[0], -1), False
        knots = self.knots.to(u.dtype)
        uniform, table = self._knot_info(knots)
        if not uniform:
            return bspline_design(u, knots, self.k, table=table, uniform=False), True
        return matrix_design(u, knots, self.k).reshape(u.shape[0], -1), True
