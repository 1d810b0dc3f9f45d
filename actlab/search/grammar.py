"""A tiny text grammar for expression spaces: ``"unary: x, tanh, sigmoid; binary: add, mul; units: 1-2"``.

Sections are separated by ``;`` or new lines; each is ``key: values``. Keys: ``unary``, ``binary`` (comma lists of
primitive names, or ``all``) and ``units`` (``n`` or ``lo-hi``). Unknown keys or primitive names raise an error
that names them and lists the valid ones.
"""
from __future__ import annotations

import re
from typing import Any

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.primitives import BINARY, UNARY

_KEYS = ("unary", "binary", "units")


def parse_grammar(text: str) -> dict[str, Any]:
    """Parse the grammar text into `SwishSpace` keyword arguments."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"grammar must be non-empty text like 'unary: x, tanh; binary: add', got {text!r}")
    out: dict[str, Any] = {}
    for raw in re.split(r"[;\n]", text):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if ":" not in line:
            raise ConfigError(f"malformed grammar line {line!r}: expected 'key: values' with key in {_KEYS}")
        key, _, val = (p.strip() for p in line.partition(":"))
        key = key.lower()
        if key not in _KEYS:
            raise UnknownNameError("grammar key", key, _KEYS)
        if key in out:
            raise ConfigError(f"grammar key {key!r} is given twice")
        if key == "units":
            m = re.fullmatch(r"(\d+)\s*(?:-|\.\.)\s*(\d+)|(\d+)", val)
            if not m:
                raise ConfigError(f"malformed grammar value units: {val!r}; expected 'n' or 'lo-hi'")
            lo, hi = (int(m.group(1)), int(m.group(2))) if m.group(3) is None else (int(m.group(3)),) * 2
            out["min_units"], out["max_units"] = lo, hi
            continue
        table = UNARY if key == "unary" else BINARY
        names = [v.strip() for v in val.split(",") if v.strip()]
        if not names:
            raise ConfigError(f"grammar key {key!r} has no primitives")
        if names == ["all"]:
            names = list(table)
        for n in names:
            if n not in table:
                raise UnknownNameError(f"{key} primitive", n, table)
        out[key] = names
    return out
