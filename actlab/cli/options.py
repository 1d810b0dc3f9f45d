"""Options shared by several commands: where jobs run (Ray, docs/cluster.md), on which device, with which data."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

Device = Annotated[str | None, typer.Option("--device", help="cpu (default) | cuda | cuda:N")]
Precision = Annotated[str | None, typer.Option("--precision", help="fp32 (default) | bf16 (autocast)")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="folder with CIFAR-10 batches for cifar10_* tasks "
                                                                 "(default: $ACTLAB_DATA)")]

RayAddress = Annotated[str | None, typer.Option(
    "--ray-address", help="join this Ray cluster: host:port of its GCS or auto ($RAY_ADDRESS is read too); "
                          "implies --backend ray; see docs/cluster.md")]
CpusPerRun = Annotated[int | None, typer.Option("--cpus-per-run", help="CPUs (torch threads) per job on Ray "
                                                                    "[default: 1]")]
GpusPerRun = Annotated[float | None, typer.Option("--gpus-per-run", help="GPUs per job on Ray; fractions share "
                                                                      "one GPU [default: 0]")]


def ray_options(backend: str | None, ray_address: str | None, cpus_per_run: int | None,
                gpus_per_run: float | None, data_dir: Any = None) -> tuple[str | None, dict[str, Any]]:
    """The backend name (``ray`` when an address is given) and the Ray backend's keyword arguments."""
    if ray_address is not None:
        backend = "ray"
    if backend != "ray":
        if cpus_per_run is not None or gpus_per_run is not None:
            from actlab.core.errors import ConfigError

            raise ConfigError("--cpus-per-run and --gpus-per-run apply to --backend ray (or --ray-address)")
        return backend, {}
    kw: dict[str, Any] = {"address": ray_address, "data_dir": data_dir}
    if cpus_per_run is not None:
        kw["cpus_per_run"] = cpus_per_run
    if gpus_per_run is not None:
        kw["gpus_per_run"] = gpus_per_run
    return backend, kw
