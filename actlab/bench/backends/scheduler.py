"""`InFlight`: at most ``width`` jobs of a backend running at once, collected as they finish.

The one scheduler of actlab: `actlab.bench.runner` keeps benchmark runs in flight with it and
`actlab.search.runner` its candidate evaluations. What to submit next (a queue of runs, or a strategy whose next
proposal waits for earlier results) stays with the caller; this class owns the handles, the waiting and the
turning of a worker's exception into a value.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from actlab.bench.backends.base import Backend


@dataclass(frozen=True)
class Finished:
    """One job that came back: its key, its value, or the exception it raised (then ``value`` is None), and
    where it ran when the backend says (`Backend.placement`)."""

    key: Hashable
    value: Any = None
    error: BaseException | None = None
    where: dict[str, str] | None = None


class InFlight:
    """Jobs by key on ``backend``; ``width`` (default: the backend's ``num_workers``) bounds how many run at once.

    ``poll_s``: `wait` returns after that many seconds even when nothing finished (callers that drain worker
    progress meanwhile); None waits for a result.
    """

    def __init__(self, backend: Backend, width: int | None = None, poll_s: float | None = None):
        self.backend = backend
        self.width = max(1, int(width if width is not None else getattr(backend, "num_workers", 1) or 1))
        self.poll_s = poll_s
        self._jobs: dict[Hashable, Any] = {}

    def __len__(self) -> int:
        return len(self._jobs)

    @property
    def full(self) -> bool:
        return len(self._jobs) >= self.width

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Start ``fn(*args)`` under ``key`` (an eager in-process backend runs it right here)."""
        self._jobs[key] = self.backend.submit(fn, *args)

    def wait(self) -> list[Finished]:
        """Block until at least one job finished (or ``poll_s`` passed); return the finished ones in submission
        order, each with its value or the exception the job raised."""
        if not self._jobs:
            return []
        done, _ = self.backend.wait(list(self._jobs.values()), num_returns=1, timeout=self.poll_s)
        ids = {id(h) for h in done}
        out = []
        for key in [k for k, h in self._jobs.items() if id(h) in ids]:
            handle = self._jobs.pop(key)
            try:
                value = self.backend.result(handle)
                out.append(Finished(key, value, where=self.backend.placement(handle)))
            except Exception as e:  # noqa: BLE001 - the job's own exception, re-raised by the backend
                out.append(Finished(key, error=e))
        return out
