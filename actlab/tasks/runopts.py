"""Where and on what a task runs: ``--device``, ``--precision`` and ``--data-dir`` as per-task run overrides.

Every command that trains tasks (bench, search) turns its flags into overrides with `run_overrides` and checks
them with `preflight` before any work: an unusable device ("CUDA is not available") or a missing / malformed /
unsafe data folder is a `ConfigError` (exit 2) before the first run. The defaults (cpu, fp32) add no override,
so ``--device cpu`` is the same run (same key, same result) as no flag at all.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from actlab.train.device import check_device, parse_device

ENV_DATA = "ACTLAB_DATA"


def run_overrides(task: Any, device: str | None = None, precision: str | None = None,
                  data_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """The overrides of one task's runs: device/precision when not the defaults, the data folder (absolute;
    ``data_dir`` or $ACTLAB_DATA) for tasks that read one."""
    out: dict[str, Any] = {}
    if device is not None and parse_device(device) != "cpu":
        out["device"] = parse_device(device)
    if precision is not None and precision != "fp32":
        out["precision"] = precision
    data_kw = getattr(task, "data_kw", {}) or {}
    if "data_dir" in data_kw:
        d = data_dir if data_dir not in (None, "") else os.environ.get(ENV_DATA) or None
        if d is not None:
            out["data_dir"] = str(Path(d).expanduser().resolve())
    return out


def preflight(task: Any, options: dict[str, Any], check_cuda: bool = True) -> None:
    """Fail now, not mid-suite: the device must exist here (unless ``check_cuda`` is False, e.g. for a Ray cluster
    whose workers hold the GPUs), and a task reading a data folder must find valid files there (the files are
    parsed with the restricted unpickler, so an unsafe pickle is refused before any run)."""
    dev, prec = options.get("device"), options.get("precision", "fp32")
    if dev is not None or prec != "fp32":
        if check_cuda:
            check_device(dev or "cpu", prec)
        else:
            parse_device(dev or "cpu")
    if "data_dir" in (getattr(task, "data_kw", {}) or {}):
        small = bool(options.get("small", False))
        keep = {k: v for k, v in options.items() if k in task.data_kw}
        task.data(small, **keep)
