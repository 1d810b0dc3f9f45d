"""The elementary functions, named once: sympy form, torch function and properties.

One vocabulary for everything that turns formulas into tensors and back: the search's expression primitives and
its sympy → torch compiler (`actlab.search.symbolic`), the graph space's elementwise ops, and the symbolic
snapping library of KAN edges (`actlab.kan.symbolic`). Each entry carries

* ``sympy``: builder of the sympy expression from its argument; ``head``: the sympy function class a compiled tree
  meets (``sp.exp`` ...), None for composites such as x² or exp(-x²);
* ``torch``: the exact torch function (no clamping); ``overflows``: exp-like, so code that must stay finite in
  float32 clamps the argument (`clamped`);
* ``complexity``: pykan's complexity score used to rank symbolic fits.

The one sympy dialect of the logistic sigmoid and softplus: `closed_sigmoid` / `closed_softplus` are the closed
forms every zoo spec writes; `sigmoid` / `softplus` are opaque sympy functions that rewrite to exactly those
closed forms (`to_standard`) but compile to the overflow-safe ``torch.sigmoid`` / ``F.softplus``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp
import torch
import torch.nn.functional as F

from actlab.core.named_registry import Registry

# exp/sinh/cosh arguments are clamped so float32 never overflows (exp(88) is the float32 limit)
EXP_CLAMP = 60.0


def closed_sigmoid(z: Any) -> sp.Expr:
    """1/(1 + exp(-z)): the closed form of the logistic sigmoid in every sympy expression actlab writes."""
    return 1 / (1 + sp.exp(-z))


def closed_softplus(z: Any) -> sp.Expr:
    """log(1 + exp(z))."""
    return sp.log(1 + sp.exp(z))


class sigmoid(sp.Function):  # noqa: N801  (sympy function names are lower case)
    """Logistic sigmoid 1/(1+exp(-z)), kept opaque so torch gets the stable kernel."""

    is_real = True

    def fdiff(self, argindex: int = 1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.Rational(1, 2)
        return None

    def _eval_rewrite_as_exp(self, z, **kw):
        return closed_sigmoid(z)


class softplus(sp.Function):  # noqa: N801
    """log(1+exp(z)), kept opaque so torch gets the overflow-safe kernel."""

    is_real = True

    def fdiff(self, argindex: int = 1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, z, **kw):
        return closed_softplus(z)


def to_standard(expr: sp.Expr) -> sp.Expr:
    """Replace the opaque sigmoid/softplus by their closed forms (for docs, LaTeX, zoo specs)."""
    return expr.replace(sigmoid, closed_sigmoid).replace(softplus, closed_softplus)


@dataclass(frozen=True)
class Elementary:
    """One elementary function of one argument (see the module docstring for the fields)."""

    name: str
    sympy: Callable[[Any], sp.Expr]
    torch: Callable[[torch.Tensor], torch.Tensor]
    head: Any = None
    complexity: int = 2
    overflows: bool = False
    library: bool = False  # in pykan's symbolic library (the default candidates of KAN edge snapping)

    def clamped(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """The torch function with its argument clamped to ±`EXP_CLAMP` where it overflows (else itself)."""
        if not self.overflows:
            return self.torch
        fn = self.torch
        return lambda z: fn(z.clamp(-EXP_CLAMP, EXP_CLAMP))


ELEMENTARY: Registry[Elementary] = Registry("elementary function", helpers=(__name__,))


def _add(name: str, sympy: Callable, torch_fn: Callable, head: Any = None, complexity: int = 2,
         overflows: bool = False, aliases: tuple[str, ...] = (), library: bool = True) -> None:
    ELEMENTARY.add(name, Elementary(name, sympy, torch_fn, head, complexity, overflows, library), aliases=aliases,
                   complexity=complexity, overflows=overflows, library=library)


# pykan's symbolic library (its names: x^2, sgn, arctan, gaussian), in its order, then the other search primitives
# name, sympy, torch, sympy head, pykan complexity
_add("x", lambda z: z, lambda t: t, complexity=1)
_add("x^2", lambda z: z ** 2, lambda t: t ** 2, complexity=2, aliases=("square",))
_add("x^3", lambda z: z ** 3, lambda t: t ** 3, complexity=3, aliases=("cube",))
_add("x^4", lambda z: z ** 4, lambda t: t ** 4, complexity=3)
_add("x^5", lambda z: z ** 5, lambda t: t ** 5, complexity=3)
_add("1/x", lambda z: 1 / z, lambda t: 1 / t, complexity=2)
_add("sqrt", sp.sqrt, torch.sqrt, complexity=2)
_add("exp", sp.exp, torch.exp, sp.exp, 2, overflows=True)
_add("log", sp.log, torch.log, sp.log, 2)
_add("abs", sp.Abs, torch.abs, sp.Abs, 3)
_add("sin", sp.sin, torch.sin, sp.sin, 2)
_add("cos", sp.cos, torch.cos, sp.cos, 2)
_add("tan", sp.tan, torch.tan, sp.tan, 3)
_add("tanh", sp.tanh, torch.tanh, sp.tanh, 3)
_add("sgn", sp.sign, torch.sign, sp.sign, 3, aliases=("sign",))
_add("arctan", sp.atan, torch.atan, sp.atan, 3, aliases=("atan",))
_add("gaussian", lambda z: sp.exp(-z ** 2), lambda t: torch.exp(-t ** 2), complexity=3, aliases=("gauss",))
_add("sinh", sp.sinh, torch.sinh, sp.sinh, 3, overflows=True, library=False)
_add("cosh", sp.cosh, torch.cosh, sp.cosh, 3, overflows=True, library=False)
_add("asinh", sp.asinh, torch.asinh, sp.asinh, 3, library=False)
_add("erf", sp.erf, torch.erf, sp.erf, 3, library=False)
# sympy's sinc is the unnormalised sin(z)/z; torch.sinc is the normalised sin(πz)/(πz); this one has a finite
# gradient at 0
_add("sinc", sp.sinc, lambda t: torch.sinc(t / torch.pi), sp.sinc, 3, library=False)
_add("sigmoid", sigmoid, torch.sigmoid, sigmoid, 3, library=False)
_add("softplus", softplus, F.softplus, softplus, 3, library=False)
# composites of the search's expression space (arXiv 1710.05941 §3): sign-preserving square root (EvoNorm's
# convention, defined on all of R) and the rectifier
_add("signed_sqrt", lambda z: sp.sign(z) * sp.sqrt(sp.Abs(z)), lambda t: torch.sign(t) * torch.sqrt(t.abs()),
     complexity=3, library=False)
_add("relu", lambda z: sp.Max(z, 0), torch.relu, complexity=2, library=False)
