"""A character corpus present on every machine: the source text of a few Python standard-library modules.

Characters outside printable ASCII are mapped to ``?`` and tabs to a space, so the vocabulary is fixed (96
symbols: newline plus codes 32..126) whatever the module text contains. The text varies a little between
Python patch releases; a run records the corpus length and a hash of it.
"""
from __future__ import annotations

import hashlib
import importlib
import inspect
from functools import lru_cache

import torch

from actlab.core.errors import ConfigError
from actlab.tasks.base import Dataset

MODULES = ("textwrap", "string", "functools", "heapq", "bisect", "fractions", "statistics", "shlex", "calendar")
VOCAB = "\n" + "".join(chr(c) for c in range(32, 127))
_INDEX = {ch: i for i, ch in enumerate(VOCAB)}


def encode(text: str) -> torch.Tensor:
    """Characters to ids in `VOCAB` (tab → space, anything else unknown → '?'). Shape (len,) int64."""
    unk = _INDEX["?"]
    return torch.tensor([_INDEX.get(" " if ch == "\t" else ch, unk) for ch in text], dtype=torch.long)


def decode(ids: torch.Tensor) -> str:
    return "".join(VOCAB[i] for i in ids.tolist())


@lru_cache(maxsize=2)
def stdlib_text(modules: tuple[str, ...] = MODULES) -> str:
    """Concatenated ``inspect.getsource`` of ``modules`` (read from this Python's own stdlib)."""
    return "\n".join(inspect.getsource(importlib.import_module(m)) for m in modules)


def _windows(ids: torch.Tensor, context: int) -> tuple[torch.Tensor, torch.Tensor]:
    n = (len(ids) - 1) // context
    x = ids[: n * context].view(n, context)
    y = ids[1: n * context + 1].view(n, context)
    return x.clone(), y.clone()


@lru_cache(maxsize=4)
def load_charlm(n_chars: int = 200_000, context: int = 64) -> Dataset:
    """Next-character prediction: the first ``n_chars`` characters cut 80/10/10 by position into train,
    val and test, each cut into non-overlapping windows of ``context`` characters.

    X: (N, context) int64 ids, y: (N, context) int64 ids (X shifted by one).
    """
    text = stdlib_text()
    if not 10 * context < n_chars:
        raise ConfigError(f"charlm: n_chars must exceed 10 × context = {10 * context}, got {n_chars}")
    text = text[:n_chars]
    ids = encode(text)
    a, b = int(0.8 * len(ids)), int(0.9 * len(ids))
    return Dataset(_windows(ids[:a], context), _windows(ids[a:b], context), _windows(ids[b:], context),
                   {"vocab": len(VOCAB), "context": context, "n_chars": len(text),
                    "sha1": hashlib.sha1(text.encode()).hexdigest()[:12], "modules": list(MODULES),
                    "source": "Python stdlib sources via inspect.getsource"})
