"""Execution backends for independent jobs (search candidates, benchmark runs).

``get_backend("local")`` runs jobs in this process (or in a process pool when ``num_workers > 1``);
``get_backend("ray")`` runs them on a private local Ray instance bound to 127.0.0.1 with token authentication
(docs/cluster.md). Every backend has the same
small API so callers never branch on it::

    be = get_backend("ray", num_workers=2)
    h = be.submit(fn, *args, **kw)           # -> handle
    done, pending = be.wait([h], num_returns=1, timeout=None)
    value = be.result(h)                     # re-raises the job's exception
    values = be.map(fn, items)               # ordered
    be.shutdown()

This package is the only code in actlab that imports ray (lazily, inside `ray.py`).
"""
from __future__ import annotations

from typing import Any

from actlab.bench.backends.base import BACKENDS, Backend
from actlab.bench.backends.local import LocalBackend
from actlab.bench.backends.ray import RayBackend  # imports ray only when a RayBackend starts
from actlab.core.errors import ConfigError, UnknownNameError

__all__ = ["Backend", "get_backend", "BACKENDS"]

# the built-in backends (this is their one registration module; the registry in base.py never imports them)
BACKENDS.add("local", LocalBackend, default_workers=1, processes="in-process, or a spawn pool when num_workers > 1")
BACKENDS.add("ray", RayBackend, default_workers=2, processes="a private local Ray cluster on 127.0.0.1")


def get_backend(name: str = "local", num_workers: int | None = None, **kw: Any) -> Backend:
    """Build a backend by name.

    num_workers: parallel jobs. ``None`` means the backend's ``default_workers`` (1 for ``local``, in-process,
    no pool; 2 for ``ray``). Extra keyword arguments go to the backend class (e.g. ``temp_dir=`` for Ray).
    """
    if not isinstance(name, str) or name not in BACKENDS:
        raise UnknownNameError("backend", str(name), BACKENDS.choices())
    if num_workers is not None and (not isinstance(num_workers, int) or isinstance(num_workers, bool)
                                    or num_workers < 1):
        raise ConfigError(f"num_workers must be a positive integer or None, got {num_workers!r}")
    entry = BACKENDS.entry(name)
    return entry.value(num_workers=num_workers or entry.meta["default_workers"], **kw)
