"""Ray backend: a private local Ray instance that lives on loopback, with token authentication.

How Ray picks and binds addresses (read off Ray 2.60's own code, checked by `tests/bench/backends/test_ray_binding.py`
in a network namespace whose default route goes through a documentation-range interface):

- ``ray.init(_node_ip_address="127.0.0.1")`` alone does not help: Ray treats 127.0.0.1 as "localhost" and replaces it
  with ``get_node_ip_address()``, which asks the kernel which interface the default route leaves by. Every process
  then registers that interface address, and the GCS, raylet and worker gRPC servers listen on all interfaces
  (they bind loopback only when their node IP is exactly 127.0.0.1).
- ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` makes ``get_node_ip_address()`` answer 127.0.0.1 (Ray's own switch for
  single-machine use on laptops). It is read when ``ray`` is imported, so it is set in the environment of every
  process Ray starts and, in this process, on the already-imported constant.
- Ray's API-server process loads its usage-stats module even with the dashboard and usage stats off, and that
  module probes cloud metadata endpoints (169.254.169.254, metadata.google.internal) at start. Ray's processes get
  ``HTTP(S)_PROXY`` pointing at a loopback port that this backend holds bound but never listens on, so those
  requests are refused on loopback and never leave the machine (no DNS lookup either: the proxy would resolve).
- Token authentication stays on (``RAY_AUTH_MODE=token``) with a fresh random token passed through the
  environment only: nothing is written to ``~/.ray``, and another local user cannot submit code to this instance.

Other choices: no dashboard, no usage stats, session files under a short temp dir (Unix socket paths are limited to
~107 bytes). This is the only module in actlab that imports ray.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actlab.bench.backends.base import Backend, ProgressChannel, check_num_returns, single_thread_call
from actlab.core import plugins
from actlab.core.errors import ConfigError

_QUIET_ENV = {
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


def loopback_env(token: str) -> dict[str, str]:
    """The environment that keeps a private Ray instance, and every process it starts, on 127.0.0.1."""
    return {**_QUIET_ENV, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}


def closed_proxy_env(port: int) -> dict[str, str]:
    """HTTP(S) proxy settings that send every proxied request to a closed loopback port."""
    proxy = f"http://127.0.0.1:{port}"
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": proxy,
            "NO_PROXY": "", "no_proxy": ""}


class _EnvPatch:
    """Set environment variables until ``restore``."""

    def __init__(self, env: dict[str, str]):
        self._old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        _sync_ray_switch()

    def restore(self) -> None:
        for k, v in self._old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        _sync_ray_switch()


def _sync_ray_switch() -> None:
    """Ray reads its loopback switch and its authentication mode when it is imported; an already imported ray
    re-reads them here (the mode the way Ray's own ``_enable_token_auth`` refreshes it)."""
    consts = sys.modules.get("ray._private.ray_constants")
    if consts is not None:
        consts.ENABLE_RAY_CLUSTER = consts.env_bool(consts.ENABLE_RAY_CLUSTERS_ENV_VAR, not consts.IS_WINDOWS_OR_OSX)
    raylet = sys.modules.get("ray._raylet")
    if raylet is not None:
        raylet.Config.initialize("")


class RayBackend(Backend):
    """Jobs become Ray tasks (1 CPU each); ``wait`` is ``ray.wait``.

    If Ray is already initialised in this process (by the caller) it is reused as it is and left running on
    shutdown; the loopback and authentication settings above apply only to the instance this backend starts.
    """

    name = "ray"

    def __init__(self, num_workers: int = 2, temp_dir: str | Path | None = None):
        self.num_workers = int(num_workers)
        self._tmp: str | None = None
        self._env: _EnvPatch | None = None
        self._proxy: socket.socket | None = None
        ray = sys.modules.get("ray")
        self._own = ray is None or not ray.is_initialized()
        if self._own:
            base = str(temp_dir) if temp_dir is not None else "/tmp"
            Path(base).mkdir(parents=True, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix="alray", dir=base)
            if len(tmp) > 60:
                os.rmdir(tmp)
                raise ConfigError(f"ray temp_dir {tmp!r} is too long for Unix sockets; use a short path")
            self._tmp = tmp
            # bound, never listening: connections to it are refused at once, on loopback
            self._proxy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._proxy.bind(("127.0.0.1", 0))
            self._env = _EnvPatch(loopback_env(secrets.token_hex(32)))
            # the proxy settings reach the processes ray.init starts (the API server among them), then this
            # process's own HTTP clients get their settings back
            proxy_env = _EnvPatch(closed_proxy_env(self._proxy.getsockname()[1]))
            try:
                ray = _import_ray()
                ray.init(num_cpus=self.num_workers, num_gpus=0, include_dashboard=False,
                         _node_ip_address="127.0.0.1", _temp_dir=self._tmp, log_to_driver=False,
                         configure_logging=False, ignore_reinit_error=True,
                         runtime_env={"env_vars": {**_QUIET_ENV, "OMP_NUM_THREADS": "1"}})
            except BaseException:
                proxy_env.restore()
                self._release()
                raise
            proxy_env.restore()
        self._ray = ray
        self._call = ray.remote(num_cpus=1, max_retries=0)(single_thread_call)

    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return self._call.remote(fn, args, kw, plugins.loaded())  # workers load the caller's plugins first

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

    def _release(self) -> None:
        if self._env is not None:
            self._env.restore()
            self._env = None
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def shutdown(self) -> None:
        if self._own and self._ray.is_initialized():
            self._ray.shutdown()
        self._release()
        self._own = False


class _RayChannel(ProgressChannel):
    def drain(self) -> list[Any]:
        n = self.sink.qsize()  # one round trip for the whole batch instead of one per message
        return self.sink.get_nowait_batch(n) if n else []
