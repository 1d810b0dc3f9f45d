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
import socket
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actlab.bench.backends.base import Backend, ProgressChannel, check_num_returns
from actlab.bench.backends.ray_cluster import check_nodes, check_reachable, resolve_address
from actlab.bench.backends.ray_loopback import QUIET_ENV, PrivateInstance
from actlab.core import plugins
from actlab.core.errors import ConfigError, check_int


def _import_ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("the ray backend needs the optional extra: pip install 'actlab[ray]'") from None
    return ray


def placed_call(threads: int, fn: Callable[..., Any], args: tuple, kw: dict,
                plugins: tuple[Any, ...] = ()) -> tuple[Any, dict[str, str]]:
    """Run a job with torch limited to ``threads`` intra-op threads, after loading the caller's ``plugins``
    (`actlab.core.plugins.loaded` records); return its value and where it ran."""
    import ray

    from actlab.core.plugins import ensure

    ensure(plugins)
    if "torch" in sys.modules:  # a job that imports torch later reads OMP_NUM_THREADS from the worker's env
        sys.modules["torch"].set_num_threads(threads)
    value = fn(*args, **kw)
    return value, {"host": socket.gethostname(), "node_id": ray.get_runtime_context().get_node_id()}


class RayBackend(Backend):
    """Jobs become Ray tasks; ``wait`` is ``ray.wait``.

    Without ``address`` (and without ``RAY_ADDRESS`` in the environment) the backend starts the private local
    instance described above, with ``num_workers * cpus_per_run`` CPUs, and stops it on shutdown. With
    ``address`` (``host:port`` of a cluster's GCS, or ``auto``) it joins that cluster instead: the address must
    answer within seconds, and every node must run this actlab version (and hold ``data_dir`` when given).

    Each job asks for ``cpus_per_run`` CPUs (torch gets as many threads) and ``gpus_per_run`` GPUs (fractions
    share a GPU); a job whose worker process or node dies is retried on another up to ``max_retries`` times
    (a job's own exception is never retried). Results come back to the caller, which alone writes the database,
    and `placement` tells on which host and Ray node each job ran.

    If Ray is already initialised in this process (by the caller) it is reused as it is and left running on
    shutdown.
    """

    name = "ray"

    def __init__(self, num_workers: int = 2, temp_dir: str | Path | None = None, address: str | None = None,
                 cpus_per_run: int = 1, gpus_per_run: float = 0.0, max_retries: int = 3,
                 data_dir: str | os.PathLike | None = None):
        self.num_workers = check_int("num_workers", num_workers, 1, "ray backend")
        self.cpus_per_run = check_int("cpus_per_run", cpus_per_run, 1, "ray backend")
        max_retries = check_int("max_retries", max_retries, 0, "ray backend")
        if isinstance(gpus_per_run, bool) or not isinstance(gpus_per_run, int | float) or not gpus_per_run >= 0:
            raise ConfigError(f"ray backend: gpus_per_run must be a number >= 0, got {gpus_per_run!r}")
        self.gpus_per_run = float(gpus_per_run)
        if address is None:
            address = os.environ.get("RAY_ADDRESS") or None
        self.address: str | None = None
        self.nodes: list[dict[str, Any]] = []
        self._instance: PrivateInstance | None = None
        self._placement: dict[str, dict[str, str]] = {}
        ray = _import_ray()
        self._own = not ray.is_initialized()
        env = {**QUIET_ENV, "OMP_NUM_THREADS": str(self.cpus_per_run)}
        if self._own and address:
            import actlab

            self.address = resolve_address(address)
            check_reachable(self.address)
            ray.init(address=self.address, log_to_driver=False, configure_logging=False,
                     runtime_env={"env_vars": env})
            try:
                self.nodes = check_nodes(ray, actlab.__version__, data_dir)
            except BaseException:
                ray.shutdown()
                raise
        elif self._own:
            self._instance = PrivateInstance(ray, num_cpus=self.num_workers * self.cpus_per_run,
                                             num_gpus=None if self.gpus_per_run else 0, temp_dir=temp_dir, env=env)
        self._ray = ray
        self._call = ray.remote(num_cpus=self.cpus_per_run, num_gpus=self.gpus_per_run,
                                max_retries=max_retries)(placed_call)

    def submit(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        # workers load the caller's plugins first (they are passed with the job, not inherited)
        return self._call.remote(self.cpus_per_run, fn, args, kw, plugins.loaded())

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
            value, where = self._ray.get(handle)
        except self._ray.exceptions.RayTaskError as e:
            cause = e.as_instanceof_cause()
            if isinstance(cause, Exception):
                raise cause from None
            raise
        self._placement[handle.hex()] = where
        return value

    def placement(self, handle: Any) -> dict[str, str] | None:
        """``{"host", "node_id"}`` of the node that ran a finished job (after `result`)."""
        return self._placement.get(handle.hex())

    def progress_channel(self) -> ProgressChannel:
        """A Ray queue (an actor) pinned to the caller's own node; it asks for no CPU, so it never takes a worker's
        slot. Progress is best effort: if the queue is lost anyway, `drain` warns once and returns nothing from then
        on, and jobs stop forwarding (the runner's forwarder drops a failed put); results never travel through it."""
        from ray.util.queue import Queue
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        # hard affinity to the driver's node: a soft one let Ray place the queue on a worker node, and killing that
        # node took the channel (and the suite) with it
        here = NodeAffinitySchedulingStrategy(self._ray.get_runtime_context().get_node_id(), soft=False)
        q = Queue(actor_options={"num_cpus": 0, "scheduling_strategy": here})
        return _RayChannel(q, close=q.shutdown, lost=self._ray.exceptions.RayActorError)

    def shutdown(self) -> None:
        if self._own and self._ray.is_initialized():
            self._ray.shutdown()
        if self._instance is not None:
            self._instance.release()
            self._instance = None
        self._own = False


class _RayChannel(ProgressChannel):
    def __init__(self, sink: Any, close: Callable[[], None], lost: type[Exception]):
        super().__init__(sink, close)
        self._lost_error, self.lost = lost, False

    def drain(self) -> list[Any]:
        if self.lost:
            return []
        try:
            n = self.sink.qsize()  # one round trip for the whole batch instead of one per message
            return self.sink.get_nowait_batch(n) if n else []
        except self._lost_error as e:
            self.lost = True
            warnings.warn(f"the Ray progress queue was lost ({type(e).__name__}); runs go on and their results are "
                          "still recorded, but per-epoch progress stops here", RuntimeWarning, stacklevel=2)
            return []

    def close(self) -> None:
        try:
            super().close()
        except self._lost_error:
            pass
