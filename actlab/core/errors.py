"""One error hierarchy for actlab; every message says what was given, what is allowed, and close matches."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class ActlabError(Exception):
    """Base class of every error actlab raises on purpose."""


def suggest(given: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """Closest valid names to ``given`` (difflib ratio, case-insensitive)."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    hits = difflib.get_close_matches(given.lower(), list(lowered), n=n, cutoff=0.5)
    # substring hits catch "gelu" -> "gelu_tanh", "reglu" which ratio-based matching may rank low
    subs = [c for c in choices if given.lower() in c.lower() and lowered[c.lower()] not in hits]
    return [lowered[h] for h in hits] + subs[: max(0, n - len(hits))]


class UnknownNameError(ActlabError, KeyError, ValueError):
    """A name (activation, task, basis, op, unit, ...) that is not registered."""

    def __init__(self, kind: str, given: str, choices: Iterable[str]):
        choices = sorted(set(choices))
        self.kind, self.given, self.choices = kind, given, choices
        self.suggestions = suggest(given, choices)
        msg = f"unknown {kind} {given!r}"
        if self.suggestions:
            msg += f"; did you mean: {', '.join(self.suggestions)}?"
        msg += f" ({len(choices)} valid {kind} names; list them with `actlab list`)" if kind == "activation" else \
            f" (valid: {', '.join(choices)})"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self.args[0]


class ParameterError(ActlabError, ValueError):
    """A bad parameter: unknown key, wrong type, or out of its valid range."""


class ShapeError(ActlabError, ValueError):
    """A tensor whose shape or dtype is not what the operation expects."""


class ConfigError(ActlabError, ValueError):
    """An invalid configuration field."""


def check_int(name: str, value: Any, low: int, owner: str) -> int:
    """Validate an integer hyper-parameter (widths, grid sizes, orders, degrees); return it as an int."""
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
        hint = " ('auto' is filled in per site by actlab.swap(model, old, new, example=batch))" \
            if value == "auto" else ""
        raise ParameterError(f"{owner}: {name} must be an integer >= {low}, got {value!r}{hint}")
    if value < low:
        raise ParameterError(f"{owner}: {name} must be >= {low}, got {value}")
    return int(value)
