"""Joining an existing Ray cluster: resolve and reach its address fast, then check every node before any job.

A driver joins with ``ray.init(address=...)``; Ray itself retries an unreachable address for minutes, so the GCS
port is tried first with a plain TCP connection and a bad address fails within seconds. Before the first job each
alive node runs one small probe (scheduled on it by node affinity, asking for no CPU) that reports its host name,
its actlab version and whether the data folder exists there; a mismatch or a missing folder is a `ConfigError`
naming the nodes.
"""
from __future__ import annotations

import os
import socket
import time
from typing import Any

from actlab.core.errors import ConfigError

CONNECT_TIMEOUT_S = 20.0


def resolve_address(address: str) -> str:
    """``host:port`` for ``address``; ``auto`` means ``RAY_ADDRESS`` or the cluster ``ray start`` last recorded on
    this machine (Ray's own lookup)."""
    addr = (address or "").strip()
    if addr == "auto":
        from ray._private.services import get_ray_address_from_environment

        found = get_ray_address_from_environment("auto", None)
        if not found or found == "local":
            raise ConfigError("--ray-address auto: no running Ray cluster found on this machine "
                              "(start one with `ray start --head`, or give host:port)")
        addr = found
    if addr.startswith("ray://"):
        raise ConfigError(f"--ray-address {address!r}: Ray Client addresses (ray://) are not supported; run actlab "
                          "on a node of the cluster and give the GCS address host:port (or auto)")
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--ray-address {address!r} is not host:port (e.g. 10.0.0.5:6379) or auto")
    return f"{host}:{port}"


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S, refused_tries: int = 3) -> None:
    """A TCP connection to the GCS port, retried until ``timeout`` (a refused connection, a definite answer,
    only ``refused_tries`` times); a ConfigError when it never opens."""
    host, _, port = address.rpartition(":")
    deadline, last, refused = time.monotonic() + timeout, None, 0
    while True:
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=min(5.0, timeout)):
                return
        except ConnectionRefusedError as e:
            last, refused = e, refused + 1
        except OSError as e:
            last = e
        if time.monotonic() >= deadline or refused >= refused_tries:
            break
        time.sleep(0.5)
    why = getattr(last, "strerror", None) or last
    raise ConfigError(f"cannot reach the Ray cluster at {address}: {why} (is `ray start --head` running there, "
                      "and is this its GCS port?)")


def _node_probe_fn():
    """The probe, built here so that it is pickled by value: it must run on a node whose actlab differs."""

    def probe(dirs: list[str]) -> dict[str, Any]:
        import os as _os
        import socket as _socket

        try:
            import actlab

            version = str(getattr(actlab, "__version__", "unknown"))
        except Exception as e:  # noqa: BLE001 - reported, not raised: the driver names the node
            version = f"not importable ({type(e).__name__}: {e})"
        return {"host": _socket.gethostname(), "actlab": version, "missing": [d for d in dirs if not _os.path.isdir(d)]}

    return probe


def check_nodes(ray: Any, version: str, data_dir: str | os.PathLike | list[str] | None = None,
                timeout: float = 120.0) -> list[dict[str, Any]]:
    """Probe every alive node; refuse an actlab version other than ``version`` or a missing ``data_dir`` (one
    folder or a list)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    nodes = [n for n in ray.nodes() if n.get("Alive")]
    remote = ray.remote(num_cpus=0, max_retries=1)(_node_probe_fn())
    dirs = [] if data_dir is None else [str(data_dir)] if isinstance(data_dir, (str, os.PathLike)) else list(data_dir)
    refs = [remote.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote(dirs)
            for n in nodes]
    reports = []
    for n, ref in zip(nodes, refs):
        try:
            rep = ray.get(ref, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - a node that cannot run the probe cannot run jobs either
            raise ConfigError(f"Ray node {n['NodeID'][:12]} ({n.get('NodeManagerAddress')}) did not answer the "
                              f"actlab probe: {type(e).__name__}: {e}") from None
        reports.append({"node_id": n["NodeID"], "address": n.get("NodeManagerAddress"), **rep})
    wrong = [r for r in reports if r["actlab"] != version]
    if wrong:
        listed = "; ".join(f"{r['host']} ({r['address']}, node {r['node_id'][:12]}): actlab {r['actlab']}"
                           for r in wrong)
        raise ConfigError(f"the Ray cluster runs another actlab than this driver (actlab {version}): {listed}. "
                          "Install the same actlab version on every node.")
    missing = [r for r in reports if r["missing"]]
    if missing:
        listed = "; ".join(f"{r['host']} ({r['address']}, node {r['node_id'][:12]}) lacks {', '.join(r['missing'])}"
                           for r in missing)
        raise ConfigError(f"--data-dir must exist at the same path on every Ray node: {listed}")
    return reports
