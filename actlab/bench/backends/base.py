"""The abstract backend: submit / wait / result / map / shutdown, plus context-manager support, and the progress
channel through which jobs running elsewhere report back to the caller while it waits."""
from __future__ import annotations

import queue
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from actlab.core.named_registry import Registry


class Backend(ABC):
    """Runs independent jobs; handles are opaque and only meaningful to the backend that made them."""

    name: str = "base"
    num_workers: int = 1

    @abstractmethod
    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Start ``fn(*args, **kw)``; return a handle at once (the in-process backend runs it eagerly)."""

    @abstractmethod
    def wait(self, handles: Sequence[Any], num_returns: int = 1,
             timeout: float | None = None) -> tuple[list[Any], list[Any]]:
        """Block until ``num_returns`` handles are finished (or ``timeout`` seconds pass); return (done, pending).

        Order inside ``done`` and ``pending`` follows the order of ``handles``.
        """

    @abstractmethod
    def result(self, handle: Any) -> Any:
        """The job's return value (waits if needed); the job's exception is re-raised here."""

    def placement(self, handle: Any) -> dict[str, str] | None:
        """Where a finished job ran (e.g. ``{"host", "node_id"}`` on a cluster), after `result`; None when the
        backend runs everything on this machine."""
        return None

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[fn(item) for item in items]`` run in parallel; results in input order."""
        handles = [self.submit(fn, item) for item in items]
        return [self.result(h) for h in handles]

    def progress_channel(self) -> ProgressChannel:
        """A channel whose ``sink`` (picklable, ``put(item)``) can be handed to jobs; the caller ``drain()``s it.

        The base channel is an in-process queue, right for backends that run jobs in this process."""
        return ProgressChannel(queue.Queue())

    def shutdown(self) -> None:
        """Release workers; the backend must not be used afterwards."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_workers={self.num_workers})"


def check_num_returns(handles: Sequence[Any], num_returns: int) -> int:
    from actlab.core.errors import ConfigError

    if num_returns < 1:
        raise ConfigError(f"num_returns must be >= 1, got {num_returns}")
    return min(num_returns, len(handles))


def single_thread_call(fn: Callable[..., Any], args: tuple, kw: dict, plugins: tuple[Any, ...] = ()) -> Any:
    """Run a job in a worker with torch limited to one intra-op thread, so N workers share N cores without
    oversubscription, after loading ``plugins`` (the submitting process's `actlab.core.plugins.loaded`
    records; a no-op once loaded), so activations and tasks defined by plugins exist in the worker too."""
    import sys

    from actlab.core.plugins import ensure

    ensure(plugins)
    if "torch" in sys.modules:  # a job that imports torch later reads OMP_NUM_THREADS=1 set by the worker's init
        sys.modules["torch"].set_num_threads(1)
    return fn(*args, **kw)


def worker_init() -> None:
    """Process-pool initializer: one intra-op thread per worker before torch is (lazily) imported."""
    import os

    os.environ["OMP_NUM_THREADS"] = "1"
    os.environ["MKL_NUM_THREADS"] = "1"


class ProgressChannel:
    """Messages from jobs to the caller: jobs call ``sink.put(item)``; the caller collects them with ``drain``.

    ``sink`` is any queue with ``put`` and ``get_nowait`` raising `queue.Empty` (a `queue.Queue`, a
    multiprocessing manager's queue proxy, a Ray queue); ``close`` releases what the channel started."""

    def __init__(self, sink: Any, close: Callable[[], None] | None = None):
        self.sink, self._close = sink, close

    def drain(self) -> list[Any]:
        """Every message waiting now, oldest first (never blocks)."""
        out = []
        while True:
            try:
                out.append(self.sink.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        if self._close is not None:
            self._close()
            self._close = None


BACKENDS: Registry[type[Backend]] = Registry("backend")
"""Execution backends by name (capabilities: ``default_workers``, ``processes``); `actlab.bench.backends`
registers the built-ins, other code registers its own with ``BACKENDS.add(name, cls, default_workers=...)``."""
