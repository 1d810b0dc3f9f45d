"""The Swish-paper expression space: core units b(u1(a1), u2(a2)) composed 1–2 times.

Ramachandran, Zoph & Le, "Searching for Activation Functions" (arXiv 1710.05941) §3: a core unit applies a unary
function to each of two inputs and combines them with a binary function; the inputs of a unit are the
pre-activation ``x`` or the output of an earlier unit, and the last unit is the activation. β is a trainable
scalar (one per occurrence here, initialised to 1; the paper makes it per channel).

Genome: a list of units ``[binary, unary1, unary2, in1, in2]`` where ``in`` is 0 for ``x`` and k for unit k.
Choices the paper leaves open: sqrt is sign-preserving (EvoNorm's convention), ε = 1e-3 in the division and the
log, and exp/sinh/cosh arguments are clamped at ±60 so float32 never overflows.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import sympy as sp
import torch
from torch import nn

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.grammar import parse_grammar
from actlab.search.primitives import BINARY, UNARY, B  # noqa: F401  (re-exported: the space's vocabulary)
from actlab.search.space import PROBE, Space, fingerprint_outputs, register_space
from actlab.search.symbolic import X, compile_expr


class ExpressionActivation(nn.Module):
    """An activation compiled from a sympy expression; each free ``b_i`` becomes a trainable scalar.

    f(x) = expr(x; b0, b1, ...)

    Shape: (*) -> (*)
    """

    def __init__(self, expr: sp.Expr | str, init: dict[str, float] | None = None, learnable: bool = True):
        super().__init__()
        if isinstance(expr, str):
            from actlab.search.symbolic import parse_expression

            expr = parse_expression(expr)
        self.expr = expr
        self._f = compile_expr(expr)
        self._names = tuple(self._f.params)
        init = init or {}
        for n in self._names:
            t = torch.tensor(float(init.get(n, 1.0)))
            if learnable:
                self.register_parameter(n, nn.Parameter(t))
            else:
                self.register_buffer(n, t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._f(x, {n: getattr(self, n).to(x.dtype) for n in self._names})

    def extra_repr(self) -> str:
        return str(self.expr)

    def __getstate__(self) -> dict[str, Any]:  # the compiled closure is rebuilt, not pickled
        d = self.__dict__.copy()
        d.pop("_f", None)
        return d

    def __setstate__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)
        self._f = compile_expr(self.expr)


@register_space
class SwishSpace(Space):
    """Core-unit expression space; ``unary``/``binary`` default to the paper's full sets (25 and 10)."""

    name = "swish"

    def __init__(self, unary: Sequence[str] | None = None, binary: Sequence[str] | None = None,
                 max_units: int = 2, min_units: int = 1):
        unary = list(UNARY) if unary is None else list(unary)
        binary = list(BINARY) if binary is None else list(binary)
        for u in unary:
            if u not in UNARY:
                raise UnknownNameError("unary primitive", u, UNARY)
        for b in binary:
            if b not in BINARY:
                raise UnknownNameError("binary primitive", b, BINARY)
        if not unary or not binary:
            raise ConfigError("the swish space needs at least one unary and one binary primitive")
        if not (1 <= min_units <= max_units <= 4):
            raise ConfigError(f"units must satisfy 1 <= min_units <= max_units <= 4, got {min_units}..{max_units}")
        self.unary, self.binary = unary, binary
        self.min_units, self.max_units = int(min_units), int(max_units)

    @classmethod
    def from_grammar(cls, text: str) -> SwishSpace:
        """Read a space from text such as ``"unary: x, tanh, sigmoid; binary: add, mul; units: 1-2"``."""
        return cls(**parse_grammar(text))

    def settings(self) -> dict[str, Any]:
        return {"unary": self.unary, "binary": self.binary, "min_units": self.min_units,
                "max_units": self.max_units}

    # -- genomes -----------------------------------------------------------------------------------------------
    def _unit(self, rng: random.Random, k: int) -> list:
        # inputs of unit k: x (0) or any earlier unit; the paper's best functions feed x to the last unit (§1.3)
        return [rng.choice(self.binary), rng.choice(self.unary), rng.choice(self.unary),
                rng.randrange(k + 1), rng.randrange(k + 1)]

    def random(self, rng: random.Random) -> list:
        n = rng.randint(self.min_units, self.max_units)
        units = [self._unit(rng, k) for k in range(n)]
        if n > 1 and units[-1][3] != n - 1 and units[-1][4] != n - 1:
            units[-1][rng.randrange(3, 5)] = n - 1  # the last unit must use the previous one, or it is dead code
        return units

    def mutate(self, genome: list, rng: random.Random) -> list:
        g = [list(u) for u in genome]
        moves = ["unary", "unary", "binary", "rewire"]
        if len(g) < self.max_units:
            moves.append("grow")
        if len(g) > self.min_units:
            moves.append("shrink")
        move = rng.choice(moves)
        k = rng.randrange(len(g))
        if move == "unary":
            slot = rng.choice((1, 2))
            g[k][slot] = rng.choice([u for u in self.unary if u != g[k][slot]] or self.unary)
        elif move == "binary":
            g[k][0] = rng.choice([b for b in self.binary if b != g[k][0]] or self.binary)
        elif move == "rewire":
            if k == 0:  # the first unit can only read x: change a unary instead
                g[0][rng.choice((1, 2))] = rng.choice(self.unary)
            else:
                g[k][rng.choice((3, 4))] = rng.randrange(k + 1)
        elif move == "grow":  # wrap the current expression in a new unit on top
            new = self._unit(rng, len(g))
            new[rng.choice((3, 4))] = len(g)
            g.append(new)
        else:  # shrink: drop the last unit
            g.pop()
        return self.check(g)

    def enumerate(self) -> Iterator[list]:
        """All single-unit genomes on x (the paper enumerates small spaces exhaustively)."""
        if self.min_units > 1:
            raise NotImplementedError("enumeration covers single-unit spaces only (min_units must be 1)")
        for b, u1, u2 in itertools.product(self.binary, self.unary, self.unary):
            yield [[b, u1, u2, 0, 0]]

    def check(self, genome: Any) -> list:
        if not isinstance(genome, (list, tuple)) or not genome:
            raise ConfigError(f"a swish genome is a non-empty list of units, got {genome!r}")
        out = []
        for k, u in enumerate(genome):
            if not isinstance(u, (list, tuple)) or len(u) != 5:
                raise ConfigError(f"unit {k} must be [binary, unary1, unary2, in1, in2], got {u!r}")
            b, u1, u2, i1, i2 = u
            if b not in BINARY:
                raise UnknownNameError("binary primitive", str(b), BINARY)
            for name in (u1, u2):
                if name not in UNARY:
                    raise UnknownNameError("unary primitive", str(name), UNARY)
            for i in (i1, i2):
                if not isinstance(i, int) or not 0 <= i <= k:
                    raise ConfigError(f"unit {k} input {i!r} must be 0 (x) or an earlier unit 1..{k}")
            out.append([b, u1, u2, int(i1), int(i2)])
        return out

    # -- symbolic view ------------------------------------------------------------------------------------------
    def to_sympy(self, genome: list) -> sp.Expr:
        return _to_sympy(_freeze(self.check(genome)))

    def canonical(self, genome: list) -> str:
        return str(self.to_sympy(genome))

    def fingerprint(self, genome: list) -> str:
        e = self.to_sympy(genome)
        f = compile_expr(e)
        outs = []
        with torch.no_grad():
            # two β settings so that x·σ(βx) and x·σ(x) (equal at β = 1) stay distinct
            for bv in (1.0, 0.5):
                outs.append(f(PROBE, {n: bv for n in f.params}))
        return fingerprint_outputs(outs)

    def build(self, genome: list) -> nn.Module:
        return ExpressionActivation(self.to_sympy(genome))

    def op_cost(self, genome: list) -> float:
        g = self.check(genome)
        return 1.0 + sum(BINARY[b][1] + UNARY[u1][1] + UNARY[u2][1] for b, u1, u2, _, _ in g)


def _freeze(g: list) -> tuple:
    return tuple(tuple(u) for u in g)


@lru_cache(maxsize=65536)
def _to_sympy(g: tuple) -> sp.Expr:
    """Build the expression; each β occurrence becomes its own symbol, numbered in build order."""
    counter = itertools.count()

    def fresh(e: sp.Expr) -> sp.Expr:
        while e.has(B):  # one fresh symbol per occurrence
            e = e.xreplace({B: sp.Symbol(f"_t{next(counter)}", real=True)})
        return e

    outs = [X]
    for b, u1, u2, i1, i2 in g:
        a1 = fresh(UNARY[u1][0](outs[i1]))
        a2 = fresh(UNARY[u2][0](outs[i2]))
        outs.append(fresh(BINARY[b][0](a1, a2)))
    expr = outs[-1]
    # renumber the surviving β's b0, b1, ... in sympy's canonical print order (auto-simplification may drop some)
    temps = sorted((s for s in expr.free_symbols if s.name.startswith("_t")), key=lambda s: int(s.name[2:]))
    return expr.xreplace({t: sp.Symbol(f"b{i}", real=True) for i, t in enumerate(temps)})
