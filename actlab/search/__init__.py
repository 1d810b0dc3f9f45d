"""actlab.search: automated activation-function search.

Spaces (`expression.SwishSpace`, `graph.GraphSpace`, `correction.CorrectionSpace`), strategies (exhaustive, random,
aging evolution with optional Pareto selection), evaluation with rejection filters, a resumable SQLite store, and
`promote` to turn any found candidate into a zoo entry.

    from actlab.search import run_search, promote
    res = run_search("swish", "evolution", "digits", budget=200, seed=0, db="runs/search.db")
    spec = promote(res.top(1)[0], "found1", space="swish")
"""
from __future__ import annotations

# the built-in spaces register themselves on import (the registry in search/space.py never imports them)
from actlab.search import correction, expression, graph  # noqa: F401
from actlab.search.promote import promote
from actlab.search.runner import SearchResult, run_search
from actlab.search.space import SPACES, Space, get_space, space_names
from actlab.search.strategies import STRATEGIES, make_strategy
from actlab.search.symbolic import parse_expression
from actlab.search.tune import tune_template

__all__ = ["run_search", "SearchResult", "promote", "get_space", "space_names", "Space", "parse_expression",
           "tune_template", "SPACES", "STRATEGIES", "make_strategy"]
