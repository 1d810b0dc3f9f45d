"""`ActivationSpec`: the single definition of a nonlinearity that everything else reads.

A spec holds the torch forward, the sympy form, the parameters with their valid ranges, the analytic
properties and the source paper. Modules (`actlab.create`), functionals (`actlab.functional`), docs rows,
plots, test cases and search primitives are all derived from it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

from actlab.core.errors import ParameterError

FAMILIES = ("classic", "smooth", "sparse", "periodic", "polynomial", "gated", "learnable")
SMOOTHNESS = ("Cinf", "C1", "C0", "discontinuous")
Kind = Literal["elementwise", "gated", "rowwise", "layer"]
KINDS: tuple[str, ...] = get_args(Kind)


@dataclass(frozen=True)
class Param:
    """A scalar hyper-parameter of an activation.

    ``learnable`` is the default for modules built from the spec (a ``nn.Parameter`` when True, a plain
    float otherwise); ``low``/``high`` bound the valid range, open or closed as ``open`` says.
    """

    name: str
    default: float
    low: float = -math.inf
    high: float = math.inf
    learnable: bool = False
    open: tuple[bool, bool] = (False, False)
    doc: str = ""

    @property
    def range_text(self) -> str:
        lo = "(" if self.open[0] or self.low == -math.inf else "["
        hi = ")" if self.open[1] or self.high == math.inf else "]"
        return f"{lo}{self.low:g}, {self.high:g}{hi}"

    def check(self, value: Any, owner: str) -> None:
        """Raise `ParameterError` naming this parameter when a numeric value lies outside its range."""
        import torch

        if isinstance(value, torch.Tensor) and value.numel() != 1:
            # per-channel parameters: the extremes decide
            if value.numel():
                for x in (float(value.detach().min()), float(value.detach().max())):
                    self.check(x, owner)
            return
        try:
            v = float(value.detach()) if isinstance(value, torch.Tensor) else float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{owner}: parameter {self.name!r} must be a number, got {value!r}") from None
        below = v <= self.low if self.open[0] else v < self.low
        above = v >= self.high if self.open[1] else v > self.high
        if math.isnan(v) or below or above:
            raise ParameterError(
                f"{owner}: parameter {self.name!r}={v:g} is outside its valid range {self.range_text}")


@dataclass(frozen=True)
class Props:
    """Analytic properties, written compactly: ``Props.of("mono lb C0")``.

    Tokens: ``mono`` monotonic, ``lb``/``ub`` bounded below/above, ``zc`` zero-centred (f(0)=0 and odd-ish
    outputs around zero), ``gated`` self-gated (x·g(x)), ``periodic``; smoothness ``Cinf``/``C1``/``C0``/
    ``discontinuous``.
    """

    monotonic: bool = False
    bounded_below: bool = False
    bounded_above: bool = False
    smoothness: str = "Cinf"
    zero_centered: bool = False
    self_gated: bool = False
    periodic: bool = False

    _TOKENS = {"mono": "monotonic", "lb": "bounded_below", "ub": "bounded_above", "zc": "zero_centered",
               "gated": "self_gated", "periodic": "periodic"}

    @classmethod
    def of(cls, text: str) -> Props:
        kw: dict[str, Any] = {}
        for tok in text.split():
            if tok in SMOOTHNESS:
                kw["smoothness"] = tok
            elif tok in cls._TOKENS:
                kw[cls._TOKENS[tok]] = True
            else:
                raise ValueError(f"unknown property token {tok!r}; valid: {sorted(cls._TOKENS) + list(SMOOTHNESS)}")
        return cls(**kw)

    def tags(self) -> list[str]:
        out = [v.replace("_", " ") for k, v in self._TOKENS.items() if getattr(self, v)]
        return out + [self.smoothness]


@dataclass(frozen=True)
class Source:
    """Where an activation comes from."""

    title: str
    authors: str = ""
    year: int | None = None
    arxiv: str | None = None

    def cite(self) -> str:
        bits = [self.authors, f"({self.year})" if self.year else "", f"“{self.title}”"]
        text = " ".join(b for b in bits if b)
        return text + (f", arXiv:{self.arxiv}" if self.arxiv else "")


@dataclass(frozen=True)
class ActivationSpec:
    """One nonlinearity, defined once.

    fn: ``fn(x, **params) -> Tensor``; params arrive as floats or (broadcastable) tensors.
    sympy: ``sympy(x, **params) -> sympy.Expr`` for closed forms (params arrive as sympy symbols or numbers).
    inplace_fn: in-place variant (only where torch offers one or it is trivially safe).
    native: the torch-native reference used by tests (``native(x, **params)``), when one exists.
    grad: "exact" when autograd of ``fn`` is the derivative of the formula; "surrogate" when the backward is
    deliberately different (straight-through / hysteresis / approximate backprop).
    kind: "elementwise" (shape preserved), "gated" (halves ``dim``), "rowwise" (shape preserved, but each output
    depends on the whole last dimension, e.g. polynorm's RMS normalisation), or "layer" (has its own module class,
    e.g. a norm-coupled or learnable layer; ``module`` builds it).
    """

    name: str
    family: str
    formula: str
    source: Source
    fn: Callable[..., Any] | None = None
    params: tuple[Param, ...] = ()
    sympy: Callable[..., Any] | None = None
    props: Props = field(default_factory=Props)
    aliases: tuple[str, ...] = ()
    inplace_fn: Callable[..., Any] | None = None
    native: Callable[..., Any] | None = None
    grad: Literal["exact", "surrogate"] = "exact"
    kind: Kind = "elementwise"
    module: Callable[..., Any] | None = None
    uses_training: bool = False
    foreign_modules: tuple[str, ...] = ()
    notes: str = ""
    plot_range: tuple[float, float] = (-4.0, 4.0)

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.name}: family {self.family!r} not in {FAMILIES}")
        if self.fn is None and self.module is None:
            raise ValueError(f"{self.name}: a spec needs fn or module")
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} not in {KINDS}")

    # -- parameters -------------------------------------------------------------------------------
    @cached_property
    def param_map(self) -> dict[str, Param]:
        return {p.name: p for p in self.params}

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.params}

    @property
    def supports_inplace(self) -> bool:
        return self.inplace_fn is not None

    def bind(self, params: Mapping[str, Any], extra: tuple[str, ...] = ()) -> dict[str, Any]:
        """Fill defaults and validate names and ranges; ``extra`` names are passed through unchecked."""
        unknown = [k for k in params if k not in self.param_map and k not in extra]
        if unknown:
            valid = ", ".join(f"{p.name}∈{p.range_text}" for p in self.params) or "none"
            raise ParameterError(f"{self.name}: unknown parameter(s) {unknown}; valid parameters: {valid}")
        out = self.defaults
        for k, v in params.items():
            if k in self.param_map:
                self.param_map[k].check(v, self.name)
            out[k] = v
        return out

    # -- symbolic view ------------------------------------------------------------------------------
    def expr(self, symbolic_params: bool = False, **values: float):
        """The sympy expression in ``x`` (parameters substituted by defaults/values unless symbolic)."""
        import sympy as sp

        if self.sympy is None:
            return None
        x = sp.Symbol("x", real=True)
        if symbolic_params:
            args = {p.name: sp.Symbol(p.name, real=True) for p in self.params}
        else:
            args = {**self.defaults, **values}
            args = {k: sp.nsimplify(v, rational=False) if float(v).is_integer() else sp.Float(v)
                    for k, v in args.items()}
        return self.sympy(x, **args)

    def latex(self) -> str | None:
        import sympy as sp

        e = self.expr(symbolic_params=True)
        return None if e is None else sp.latex(e)

    def derivative_latex(self) -> str | None:
        import sympy as sp

        e = self.expr(symbolic_params=True)
        if e is None:
            return None
        return sp.latex(sp.simplify(sp.diff(e, sp.Symbol("x", real=True))))

    def __repr__(self) -> str:
        ps = ", ".join(f"{p.name}={p.default:g}" for p in self.params)
        return f"ActivationSpec({self.name!r}, family={self.family!r}, {self.formula!r}{', ' + ps if ps else ''})"
