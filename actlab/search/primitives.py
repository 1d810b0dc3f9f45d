"""The primitives of the Swish-paper expression space (arXiv 1710.05941 §3): unary and binary functions as sympy
builders with a relative cost weight; the elementary ones (signed sqrt and relu included) come from the shared
vocabulary (`actlab.core.elementary`); the guarded log and the β-scaled forms, written with this space's symbols
(ε, β), are its own. `expression.SwishSpace` composes them; `grammar` validates names against them.

sqrt is sign-preserving (EvoNorm's convention); ε = `symbolic.EPS` in the division and the log; β placeholders
(``B``) become trainable scalars b0, b1, ... in order of appearance.
"""
from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from actlab.core.elementary import ELEMENTARY, sigmoid
from actlab.search.symbolic import EPS


class _Vocabulary:
    """``_V["tanh"]``: the sympy builder of a shared elementary function (`actlab.core.elementary`)."""

    def __getitem__(self, name: str) -> Callable[[sp.Expr], sp.Expr]:
        return ELEMENTARY.get(name).sympy


_V = _Vocabulary()

B = sp.Symbol("β", real=True)  # placeholder, renamed b0, b1, ... in order of appearance

# name -> (builder of sympy from the argument, relative cost weight)
UNARY: dict[str, tuple[Callable[[sp.Expr], sp.Expr], float]] = {
    "x": (lambda z: z, 0.0),
    "neg": (lambda z: -z, 0.2),
    "abs": (_V["abs"], 0.3),
    "square": (_V["square"], 0.3),
    "cube": (_V["cube"], 0.4),
    "sqrt": (_V["signed_sqrt"], 1.0),
    "scale": (lambda z: B * z, 0.3),
    "shift": (lambda z: z + B, 0.3),
    "log": (lambda z: sp.log(sp.Abs(z) + EPS), 1.0),
    "exp": (_V["exp"], 1.0),
    "sin": (_V["sin"], 1.0),
    "cos": (_V["cos"], 1.0),
    "sinh": (_V["sinh"], 1.0),
    "cosh": (_V["cosh"], 1.0),
    "tanh": (_V["tanh"], 1.0),
    "asinh": (_V["asinh"], 1.0),
    "atan": (_V["atan"], 1.0),
    "sinc": (_V["sinc"], 1.2),
    "relu": (_V["relu"], 0.3),
    "min0": (lambda z: sp.Min(z, 0), 0.3),
    "sigmoid": (_V["sigmoid"], 1.0),
    "softplus": (_V["softplus"], 1.2),
    "gauss": (_V["gauss"], 1.2),
    "erf": (_V["erf"], 1.0),
    "const": (lambda z: B, 0.0),
}
BINARY: dict[str, tuple[Callable[[sp.Expr, sp.Expr], sp.Expr], float]] = {
    "add": (lambda a, b: a + b, 0.3),
    "mul": (lambda a, b: a * b, 0.3),
    "sub": (lambda a, b: a - b, 0.3),
    "div": (lambda a, b: a / (b + EPS), 0.5),
    "max": (lambda a, b: sp.Max(a, b), 0.4),
    "min": (lambda a, b: sp.Min(a, b), 0.4),
    "sigmul": (lambda a, b: sigmoid(a) * b, 1.2),
    "gauss_dist": (lambda a, b: sp.exp(-B * (a - b) ** 2), 1.5),
    "laplace_dist": (lambda a, b: sp.exp(-B * sp.Abs(a - b)), 1.5),
    "blend": (lambda a, b: B * a + (1 - B) * b, 0.6),
}
