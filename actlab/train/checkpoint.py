"""Checkpoints: a plain dict of tensors and primitives, written with ``torch.save`` and read back with
``torch.load(weights_only=True)`` so that loading never unpickles arbitrary objects."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ConfigError


def save_checkpoint(path: str | Path, model: nn.Module, optimizer: torch.optim.Optimizer | None = None,
                    **meta: Any) -> Path:
    """Write ``{"model": state_dict, "optimizer": state_dict | None, "meta": meta}`` to ``path``.

    ``meta`` must hold only numbers, strings, bools, None, lists/tuples/dicts of those, or tensors (what
    ``weights_only`` loading accepts). Parent directories are created.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"save_checkpoint: cannot create directory {str(path.parent)!r}: {e}") from None
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict() if optimizer else None,
             "meta": dict(meta)}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # atomic: a killed run never leaves a half-written checkpoint
    return path


def load_checkpoint(path: str | Path, model: nn.Module | None = None,
                    optimizer: torch.optim.Optimizer | None = None, map_location: str = "cpu") -> dict[str, Any]:
    """Read a checkpoint (``weights_only=True``); load it into ``model``/``optimizer`` when given.

    Returns the stored dict (keys ``model``, ``optimizer``, ``meta``).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"load_checkpoint: no checkpoint file at {str(path)!r}")
    state = torch.load(path, map_location=map_location, weights_only=True)
    if model is not None:
        model.load_state_dict(state["model"])
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    return state
