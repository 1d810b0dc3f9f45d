"""Functional-correction space (EAFO): f = base + ε·g around a zoo activation.

Sun et al., "A Method on Searching Better Activation Functions" (arXiv 2405.12954, ICLR 2025): expanding the output
entropy of a Gaussian pre-activation around a base activation gives a correction term; for ReLU it is
∝ x·exp(−x²/2), which with a learnable ε (init 0.01) is CRReLU = relu(x) + ε·x·exp(−x²/2). Here ``g`` comes from a
small family of Gaussian-windowed terms (plus a few plain ones), ε is a trainable scalar, and the base is any
elementwise zoo activation with a sympy form, so CRReLU is the genome ``["relu", "x_gauss", 0.01]``.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from typing import Any

import sympy as sp
import torch
from torch import nn

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.space import PROBE, Space, fingerprint_outputs, register_space
from actlab.search.symbolic import X, compile_expr, sigmoid

EPSILON = sp.Symbol("b0", real=True)  # the trainable correction weight (named like the other trainable scalars)

CORRECTIONS: dict[str, sp.Expr] = {
    "x_gauss": X * sp.exp(-X ** 2 / 2),          # EAFO's ReLU correction (CRReLU)
    "gauss": sp.exp(-X ** 2 / 2),
    "x2_gauss": X ** 2 * sp.exp(-X ** 2 / 2),
    "tanh_gauss": sp.tanh(X) * sp.exp(-X ** 2 / 2),
    "sin_gauss": sp.sin(X) * sp.exp(-X ** 2 / 2),
    "x_sigmoid_prime": X * sigmoid(X) * (1 - sigmoid(X)),
    "x": X,
    "sin": sp.sin(X),
    "tanh": sp.tanh(X),
}
DEFAULT_BASES = ("relu", "gelu", "silu", "elu", "softplus", "tanh", "leaky_relu", "mish")
EPS_INITS = (0.01, 0.1, -0.01, -0.1)


def _base_expr(name: str) -> sp.Expr:
    import actlab

    spec = actlab.get(name)
    e = spec.expr() if spec.kind == "elementwise" else None
    if e is None:
        raise ConfigError(f"correction base {name!r} has no elementwise sympy form; pick another base")
    return e.xreplace({sp.Symbol("x", real=True): X})


def _corrected_fn(base: str, correction: str):
    import actlab

    base_fn = actlab.functional(base)
    g = compile_expr(CORRECTIONS[correction])

    def fn(x: torch.Tensor, b0: Any = 0.01) -> torch.Tensor:
        return base_fn(x) + b0 * g(x)

    return fn


class CorrectedActivation(nn.Module):
    """f(x) = base(x) + ε·g(x) with a trainable scalar ε (EAFO); CRReLU is base=relu, g=x·exp(−x²/2), ε₀=0.01.

    Shape: (*) -> (*)
    """

    def __init__(self, base: str, correction: str, eps: float = 0.01):
        super().__init__()
        self.base, self.correction = base, correction
        self.eps = nn.Parameter(torch.tensor(float(eps)))
        self._f = _corrected_fn(base, correction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._f(x, b0=self.eps.to(x.dtype))

    def extra_repr(self) -> str:
        return f"base={self.base!r}, correction={self.correction!r}"

    def __getstate__(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d.pop("_f", None)
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)
        self._f = _corrected_fn(self.base, self.correction)


@register_space
class CorrectionSpace(Space):
    """Genome ``[base, correction, eps_init]``; the compiled module learns ε."""

    name = "correction"

    def __init__(self, bases: Sequence[str] | None = None, corrections: Sequence[str] | None = None,
                 eps_inits: Sequence[float] | None = None):
        import actlab

        self.bases = list(DEFAULT_BASES if bases is None else bases)
        for b in self.bases:
            actlab.get(b)  # raises UnknownNameError with suggestions
        self.corrections = list(CORRECTIONS if corrections is None else corrections)
        for c in self.corrections:
            if c not in CORRECTIONS:
                raise UnknownNameError("correction term", c, CORRECTIONS)
        self.eps_inits = [float(e) for e in (EPS_INITS if eps_inits is None else eps_inits)]
        if not self.bases or not self.corrections or not self.eps_inits:
            raise ConfigError("the correction space needs at least one base, one correction and one eps init")

    def settings(self) -> dict[str, Any]:
        return {"bases": self.bases, "corrections": self.corrections, "eps_inits": self.eps_inits}

    def random(self, rng: random.Random) -> list:
        return [rng.choice(self.bases), rng.choice(self.corrections), rng.choice(self.eps_inits)]

    def mutate(self, genome: list, rng: random.Random) -> list:
        g = list(self.check(genome))
        slot = rng.randrange(3)
        pool = (self.bases, self.corrections, self.eps_inits)[slot]
        g[slot] = rng.choice([v for v in pool if v != g[slot]] or pool)
        return g

    def enumerate(self) -> Iterator[list]:
        for b, c, e in itertools.product(self.bases, self.corrections, self.eps_inits):
            yield [b, c, e]

    def check(self, genome: Any) -> list:
        if not isinstance(genome, (list, tuple)) or len(genome) != 3:
            raise ConfigError(f"a correction genome is [base, correction, eps_init], got {genome!r}")
        b, c, e = genome
        if c not in CORRECTIONS:
            raise UnknownNameError("correction term", str(c), CORRECTIONS)
        return [str(b), c, float(e)]

    def to_sympy(self, genome: list) -> sp.Expr:
        b, c, _ = self.check(genome)
        return _base_expr(b) + EPSILON * CORRECTIONS[c]

    def canonical(self, genome: list) -> str:
        b, c, e = self.check(genome)
        return f"{self.to_sympy(genome)} [b0={e:g}]"

    def fingerprint(self, genome: list) -> str:
        b, c, e = self.check(genome)
        f = _corrected_fn(b, c)
        with torch.no_grad():
            outs = [f(PROBE, b0=e), f(PROBE, b0=0.5)]
        return fingerprint_outputs(outs)

    def build(self, genome: list) -> nn.Module:
        b, c, e = self.check(genome)
        return CorrectedActivation(b, c, e)

    def torch_fn(self, genome: list):
        """``fn(x, b0=...)`` for promotion to a zoo spec; the base runs through its own zoo functional."""
        b, c, _ = self.check(genome)
        return _corrected_fn(b, c)

    def op_cost(self, genome: list) -> float:
        return 2.5
