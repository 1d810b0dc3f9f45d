"""Turn a found candidate into a zoo entry (an `ActivationSpec` in the registry) with one call.

``promote("x*sigmoid(b0*x)", "my_swish")``, ``promote(row_from_the_store, "found1", space="swish")`` or
``promote(sympy_expr, "found2")``: the spec carries the sympy form (so LaTeX, derivatives and docs work), a torch
``fn(x, **params)`` compiled from the same tree, and one learnable `Param` per trainable scalar b_i. Graph
(norm-activation) candidates become ``kind="layer"`` specs whose module is a `GraphLayer`.
"""
from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.core.registry import get, register
from actlab.core.spec import ActivationSpec, Param, Props, Source
from actlab.search.symbolic import X, compile_expr, parse_expression, to_standard
from actlab.store.candidates import CandidateRow

SOURCE = Source(title="found by actlab search (actlab.search.promote)")


def _resolve(candidate: Any, space: str | None, space_options: dict[str, Any] | None):
    """(space object or None, genome or None, sympy expr or None, init values) for any accepted input."""
    from actlab.search.space import get_space

    init: dict[str, float] = {}
    if isinstance(candidate, str):
        return None, None, parse_expression(candidate), init
    if isinstance(candidate, sp.Basic):
        return None, None, candidate, init
    genome = candidate
    if isinstance(candidate, CandidateRow):  # a store row or a SearchResult row
        genome = candidate.genome
        space = space or candidate.space
    elif isinstance(candidate, dict):  # a row written out as JSON
        genome = candidate.get("genome")
        space = space or candidate.get("space")
    if space is None:
        raise ConfigError("promote: give the search space (space='swish'|'graph'|'correction') for a genome")
    sp_obj = get_space(space, **(space_options or {}))
    genome = sp_obj.check(genome)
    if sp_obj.name == "graph":
        return sp_obj, genome, None, init
    expr = sp_obj.to_sympy(genome)
    if sp_obj.name == "correction":
        init = {"b0": float(genome[2])}
    return sp_obj, genome, expr, init


def _registered(name: str) -> bool:
    try:
        get(name)
    except UnknownNameError:
        return False
    return True


def promote(candidate: Any, name: str, *, space: str | None = None, space_options: dict[str, Any] | None = None,
            family: str | None = None, formula: str | None = None, learnable: bool = True,
            register_spec: bool = True) -> ActivationSpec:
    """Register ``candidate`` (expression text, sympy expr, genome or store row) as activation ``name``."""
    if not isinstance(name, str) or not name.strip() or not name.replace("_", "").isalnum():
        raise ConfigError(f"promote: name must be an identifier like 'found_swish', got {name!r}")
    if _registered(name):
        raise ConfigError(f"promote: {name!r} is already a registered activation name; choose another")
    sp_obj, genome, expr, init = _resolve(candidate, space, space_options)
    if expr is None:  # a norm-activation graph: a layer spec
        from actlab.search.graph import GraphLayer, graph_text

        text = graph_text(genome)
        spec = ActivationSpec(name=name, family=family or "learnable", formula=formula or text, source=SOURCE,
                              kind="layer", module=functools.partial(GraphLayer, genome),
                              notes=f"graph genome: {genome}")
        return register(spec) if register_spec else spec
    if sp_obj is not None and sp_obj.name == "correction":
        fn = sp_obj.torch_fn(genome)
    else:
        compiled = compile_expr(expr)

        def fn(x, **params):
            return compiled(x, params)
    names = sorted((s.name for s in expr.free_symbols if s.name not in ("x", "eps")), key=lambda n: (len(n), n))
    params = tuple(Param(n, default=init.get(n, 1.0), learnable=learnable, doc="trainable scalar found by search")
                   for n in names)
    std = to_standard(expr)

    def sympy_form(x, **kw):
        from actlab.search.symbolic import EPS, EPS_VALUE

        subs = {X: x, EPS: sp.Float(EPS_VALUE)}
        subs.update({sp.Symbol(k, real=True): v for k, v in kw.items()})
        return std.xreplace(subs)

    piecewise = expr.has(sp.Max, sp.Min, sp.Abs, sp.sign, sp.Piecewise)
    # "sparse" would claim exact zeros the expression need not have: learnable if it has trainable scalars,
    # else classic (piecewise, ReLU-like kinks) or smooth
    default_family = "learnable" if params and learnable else ("classic" if piecewise else "smooth")
    spec = ActivationSpec(name=name, family=family or default_family,
                          formula=formula or str(expr), source=SOURCE, fn=fn, params=params, sympy=sympy_form,
                          props=Props.of("C0" if piecewise else "Cinf"), notes=f"sympy: {expr}")
    return register(spec) if register_spec else spec
