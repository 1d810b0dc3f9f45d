"""The environment of a private, single-machine Ray instance: loopback only, token authentication, no probes.

See `actlab.bench.backends.ray` for why each setting is needed (Ray 2.60's address selection and binding).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from actlab.core.errors import ConfigError

QUIET_ENV = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_DISABLE_DOCKER_CPU_WARNING": "1",
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
}


def loopback_env(token: str) -> dict[str, str]:
    """The environment that keeps a private Ray instance, and every process it starts, on 127.0.0.1."""
    return {**QUIET_ENV, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}


def closed_proxy_env(port: int) -> dict[str, str]:
    """HTTP(S) proxy settings that send every proxied request to a closed loopback port."""
    proxy = f"http://127.0.0.1:{port}"
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": proxy,
            "NO_PROXY": "", "no_proxy": ""}


class EnvPatch:
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


# One token per process: Ray's C++ token loader keeps the first token it read for the life of the process, so a
# second private instance started here must be given the same one.
_TOKEN = secrets.token_hex(32)


class PrivateInstance:
    """Start a private Ray instance on this machine (``ray.init`` with the settings above); ``stop`` ends it and
    gives the environment back."""

    def __init__(self, ray, num_cpus: int, num_gpus: float | None, temp_dir: str | Path | None, env: dict[str, str]):
        base = str(temp_dir) if temp_dir is not None else "/tmp"
        Path(base).mkdir(parents=True, exist_ok=True)
        self.tmp: str | None = tempfile.mkdtemp(prefix="alray", dir=base)
        if len(self.tmp) > 60:
            os.rmdir(self.tmp)
            raise ConfigError(f"ray temp_dir {self.tmp!r} is too long for Unix sockets; use a short path")
        # bound, never listening: connections to it are refused at once, on loopback
        self._proxy: socket.socket | None = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._proxy.bind(("127.0.0.1", 0))
        self._env: EnvPatch | None = EnvPatch(loopback_env(_TOKEN))
        # the proxy settings reach the processes ray.init starts (the API server among them), then this process's
        # own HTTP clients get their settings back
        proxy_env = EnvPatch(closed_proxy_env(self._proxy.getsockname()[1]))
        try:
            ray.init(num_cpus=num_cpus, num_gpus=num_gpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                     _temp_dir=self.tmp, log_to_driver=False, configure_logging=False, ignore_reinit_error=True,
                     runtime_env={"env_vars": env})
        except BaseException:
            proxy_env.restore()
            self.release()
            raise
        proxy_env.restore()

    def release(self) -> None:
        if self._env is not None:
            self._env.restore()
            self._env = None
        if self._proxy is not None:
            self._proxy.close()
            self._proxy = None
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
