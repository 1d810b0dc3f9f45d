"""In-process backend (num_workers == 1) or a local process pool (num_workers > 1)."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from typing import Any

from actlab.bench.backends.base import (Backend, ProgressChannel, check_num_returns, single_thread_call,
                                        worker_init)
from actlab.core import plugins


class _Done:
    """Handle of a job that already ran in this process."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: BaseException | None = None):
        self.value, self.error = value, error

    def done(self) -> bool:
        return True


class LocalBackend(Backend):
    """Jobs run eagerly in this process, or in ``num_workers`` spawned processes.

    The pool uses the ``spawn`` start method: forking a process that already holds torch threads can deadlock.
    """

    name = "local"

    def __init__(self, num_workers: int = 1):
        self.num_workers = int(num_workers)
        self._pool: cf.ProcessPoolExecutor | None = None
        if self.num_workers > 1:
            self._pool = cf.ProcessPoolExecutor(max_workers=self.num_workers, mp_context=mp.get_context("spawn"),
                                                initializer=worker_init)

    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        if self._pool is not None:
            return self._pool.submit(single_thread_call, fn, args, kw, plugins.loaded())
        try:
            return _Done(value=fn(*args, **kw))
        except Exception as e:  # the error travels with the handle, as in the pool and in Ray
            return _Done(error=e)

    def wait(self, handles: Sequence[Any], num_returns: int = 1,
             timeout: float | None = None) -> tuple[list[Any], list[Any]]:
        handles = list(handles)
        if not handles:
            return [], []
        k = check_num_returns(handles, num_returns)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            done = [h for h in handles if h.done()]
            if len(done) >= k:
                break
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            futs = [h for h in handles if isinstance(h, cf.Future) and not h.done()]
            cf.wait(futs, timeout=left, return_when=cf.FIRST_COMPLETED)
        done_ids = {id(h) for h in done}
        return done, [h for h in handles if id(h) not in done_ids]

    def result(self, handle: Any) -> Any:
        if isinstance(handle, _Done):
            if handle.error is not None:
                raise handle.error
            return handle.value
        return handle.result()

    def progress_channel(self) -> ProgressChannel:
        """In-process: a plain queue. Pool: a queue served by a manager process, whose proxy workers can pickle."""
        if self._pool is None:
            return super().progress_channel()
        manager = mp.get_context("spawn").Manager()
        return ProgressChannel(manager.Queue(), close=manager.shutdown)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
