"""Devices and precision of a run: ``cpu``, ``cuda`` or ``cuda:N``; ``fp32`` or ``bf16`` (autocast).

`check_device` fails *before any work* with a `ConfigError` when the device cannot be used here (no CUDA,
an index past the GPUs present), so a suite never starts on a machine that cannot run it.
"""
from __future__ import annotations

import contextlib
import platform
import re

import torch

from actlab.core.errors import ConfigError

PRECISIONS = ("fp32", "bf16")
_DEVICE = re.compile(r"^(cpu|cuda(:\d+)?)$")


def parse_device(device: str) -> str:
    """Normalise and check the syntax: 'cpu', 'cuda' or 'cuda:N' (anything else is a `ConfigError`)."""
    d = str(device).strip().lower()
    if not _DEVICE.match(d):
        raise ConfigError(f"device {device!r} is not one of cpu, cuda, cuda:N")
    return d


def check_device(device: str, precision: str = "fp32") -> str:
    """The normalised device after checking it exists on this machine (and supports ``precision``)."""
    d = parse_device(device)
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r} is not one of {', '.join(PRECISIONS)}")
    if d.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"--device {d}: CUDA is not available on this machine (torch {torch.__version__}, "
                              f"CUDA build: {torch.version.cuda or 'none'}); use --device cpu")
        idx = int(d.split(":")[1]) if ":" in d else 0
        n = torch.cuda.device_count()
        if idx >= n:
            raise ConfigError(f"--device {d}: this machine has {n} CUDA device(s) (cuda:0..cuda:{n - 1})")
        if precision == "bf16" and not torch.cuda.is_bf16_supported():
            raise ConfigError(f"--precision bf16: {torch.cuda.get_device_name(idx)} does not support bfloat16")
    return d


def autocast(device: str | torch.device, precision: str) -> contextlib.AbstractContextManager:
    """``torch.autocast`` to bfloat16 for ``precision="bf16"``, a no-op context for fp32."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)


def device_name(device: str | torch.device) -> str:
    """A human name of the device: the GPU's name for CUDA devices, the CPU model otherwise."""
    dev = torch.device(device)
    if dev.type == "cuda":
        idx = dev.index if dev.index is not None else torch.cuda.current_device()
        return torch.cuda.get_device_name(idx)
    return _cpu_model() or platform.processor() or platform.machine() or "cpu"


def _cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), or "" elsewhere."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
