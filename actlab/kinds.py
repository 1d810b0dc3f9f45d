"""Every pluggable kind's registry in one place: ``registries()`` → ``{kind: Registry}``, each one full.

Built-ins register when their package is imported (a registry never imports its plugins), and each registry is
defined inside the package that registers its built-ins, so reaching a registry by any import path already
registers them: ``from actlab.kan.basis import BASES`` runs ``actlab/kan/__init__.py`` first. ``import actlab``
itself registers only the activations: importing every kind's package would double its start-up time (measured
for issue #17: 2.6 s → 5.0 s of import time), so the other kinds load on first use. This module is the one
registration point for code that wants them all (listings, docs, tests); no library module imports it.
"""
from __future__ import annotations

from typing import Any

from actlab.core.named_registry import Registry


def registries() -> dict[str, Registry[Any]]:
    """Every registry by its kind ("activation", "task", "KAN basis", ...), with all built-ins registered."""
    from actlab.arith.models import ARITH_MODELS
    from actlab.bench.backends.base import BACKENDS
    from actlab.core.catalog import ACTIVATIONS
    from actlab.core.elementary import ELEMENTARY
    from actlab.kan.basis import BASES
    from actlab.search.space import SPACES
    from actlab.search.strategies import STRATEGIES
    from actlab.tasks.registry import TASKS

    regs: tuple[Registry[Any], ...] = (ACTIVATIONS, TASKS, BASES, SPACES, STRATEGIES, BACKENDS, ARITH_MODELS,
                                       ELEMENTARY)
    return {r.kind: r for r in regs}
