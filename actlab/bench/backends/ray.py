"""Ray backend: a private local cluster on 127.0.0.1 with ``num_cpus = num_workers``.

Safety choices (see shared/reference/offline_data_and_peers.md): ``RAY_AUTH_MODE=disabled`` so Ray does not
write a token into ``~/.ray``; ``_node_ip_address="127.0.0.1"`` so it does not probe an outside address to find
its IP; no dashboard, no usage stats; session files under a short temp dir (Unix socket paths are limited to
~107 bytes, so a deep runs directory would break the raylet). This is the only module in actlab that imports ray.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actlab.bench.backends.base import Backend, ProgressChannel, check_num_returns, single_thread_call
from actlab.core.errors import ConfigError

_SAFE_ENV = {
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
}


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("the ray backend needs the optional extra: pip install 'actlab[ray]'") from None
    return ray


class RayBackend(Backend):
    """Jobs become Ray tasks (1 CPU each); ``wait`` is ``ray.wait``.

    If Ray is already initialised in this process (by the caller) it is reused and left running on shutdown.
    """

    name = "ray"

    def __init__(self, num_workers: int = 2, temp_dir: str | Path | None = None):
        for k, v in _SAFE_ENV.items():
            os.environ.setdefault(k, v)
        ray = _import_ray()
        self.num_workers = int(num_workers)
        self._ray = ray
        self._own = not ray.is_initialized()
        self._tmp: str | None = None
        if self._own:
            base = str(temp_dir) if temp_dir is not None else "/tmp"
            Path(base).mkdir(parents=True, exist_ok=True)
            self._tmp = tempfile.mkdtemp(prefix="alray", dir=base)
            if len(self._tmp) > 60:
                raise ConfigError(f"ray temp_dir {self._tmp!r} is too long for Unix sockets; use a short path")
            ray.init(num_cpus=self.num_workers, num_gpus=0, include_dashboard=False,
                     _node_ip_address="127.0.0.1", _temp_dir=self._tmp, log_to_driver=False,
                     configure_logging=False, ignore_reinit_error=True,
                     runtime_env={"env_vars": {**_SAFE_ENV, "OMP_NUM_THREADS": "1"}})
        self._call = ray.remote(num_cpus=1, max_retries=0)(single_thread_call)

    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return self._call.remote(fn, args, kw)

    def wait(self, handles: Sequence[Any], num_returns: int = 1,
             timeout: float | None = None) -> tuple[list[Any], list[Any]]:
        handles = list(handles)
        if not handles:
            return [], []
        k = check_num_returns(handles, num_returns)
        done, _ = self._ray.wait(handles, num_returns=k, timeout=timeout)
        done_ids = {h.hex() for h in done}
        # keep the caller's order, as the local backend does
        return [h for h in handles if h.hex() in done_ids], [h for h in handles if h.hex() not in done_ids]

    def result(self, handle: Any) -> Any:
        try:
            return self._ray.get(handle)
        except self._ray.exceptions.RayTaskError as e:
            cause = e.as_instanceof_cause()
            if isinstance(cause, Exception):
                raise cause from None
            raise

    def progress_channel(self) -> ProgressChannel:
        """A Ray queue (an actor). It asks for no CPU, so it never takes a worker's slot."""
        from ray.util.queue import Queue

        q = Queue(actor_options={"num_cpus": 0})
        return _RayChannel(q, close=q.shutdown)

    def shutdown(self) -> None:
        if self._own and self._ray.is_initialized():
            self._ray.shutdown()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        self._own = False


class _RayChannel(ProgressChannel):
    def drain(self) -> list[Any]:
        n = self.sink.qsize()  # one round trip for the whole batch instead of one per message
        return self.sink.get_nowait_batch(n) if n else []
