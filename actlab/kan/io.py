"""Save and load a `KAN` with its options, refined grids, pruning masks and symbolic edges.

A checkpoint is a plain dict {"format", "widths", "basis", "opts", "symbolic", "state_dict"} written with
``torch.save`` and read with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ConfigError
from actlab.kan.layer import KAN

FORMAT = "actlab.kan/1"


def save_kan(model: KAN, path: str | Path, opts: dict[str, Any] | None = None) -> Path:
    """Write ``model`` to ``path``; ``opts`` are the keyword options it was built with (default: recorded)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    opts = dict(getattr(model, "build_opts", {}) if opts is None else opts)
    basis = opts.pop("basis", model.layers[0].basis.name)
    sym = [[l, j, i, e.name] for l, layer in enumerate(model.layers) for (j, i), e in layer.symbolic.items()]
    torch.save({"format": FORMAT, "widths": list(model.widths), "basis": basis, "opts": opts, "symbolic": sym,
                "state_dict": model.state_dict()}, path)
    return path


def load_kan(path: str | Path) -> KAN:
    """Rebuild the KAN saved by `save_kan` (grids, masks, biases and symbolic edges restored)."""
    from actlab.kan.symbolic import SymbolicEdge

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"KAN checkpoint {str(path)!r} does not exist (or is not a file)")
    try:
        ck = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # not a torch file at all (text, SQLite, a pickle that weights_only refuses, ...)
        raise ConfigError(f"{str(path)!r} is not an actlab KAN checkpoint: {type(e).__name__}: "
                          f"{str(e).splitlines()[0] if str(e) else ''}") from None
    needed = {"state_dict", "widths", "basis", "opts"}
    if not isinstance(ck, dict) or ck.get("format") != FORMAT or not needed <= set(ck):
        raise ConfigError(f"{str(path)!r} is not an actlab KAN checkpoint (expected format {FORMAT} with state_dict, "
                          "widths, basis, opts)")
    sd = ck["state_dict"]
    model = KAN(ck["widths"], basis=ck["basis"], **ck["opts"]).to(sd["layers.0.coef"].dtype)
    model.build_opts = {"basis": ck["basis"], **ck["opts"]}
    for l, layer in enumerate(model.layers):
        pre = f"layers.{l}."
        knots = sd.get(pre + "basis.knots")
        if knots is not None and knots.shape != layer.basis.knots.shape:  # refined grid
            k = layer.basis.k
            layer.basis.set_grid(knots[:, k: knots.shape[1] - k])
        layer.coef = nn.Parameter(torch.empty_like(sd[pre + "coef"]))
        if pre + "bias" in sd and layer.bias is None:  # pruning folds dead edges into a new bias
            layer.bias = nn.Parameter(torch.empty_like(sd[pre + "bias"]))
    for l, j, i, name in ck["symbolic"]:
        layer = model.layers[l]
        layer.symbolic[(j, i)] = SymbolicEdge(name)
        layer.sym_params[f"{j}_{i}"] = nn.Parameter(torch.empty(4, dtype=sd["layers.0.coef"].dtype))
    model.load_state_dict(sd)
    return model
