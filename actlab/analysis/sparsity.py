"""Activation sparsity of any ``nn.Module``: hooks that collect activations, dead-neuron rate, firing frequency.

Definitions (the reference note §4.8; there is no single canonical source, so we state ours):

* a unit is a channel of a module's output (or input), over every other position (samples, tokens, pixels):
  by default the channel dim is read from the module that produced the tensor, as `actlab.swap` does (the last
  dim after ``nn.Linear``/HF ``Conv1D``, dim 1 after ``nn.Conv*``/pooling/BatchNorm); ``dim=`` fixes it;
* **firing frequency** of unit i: share of positions with |a_i| > ε;
* **dead** unit: fires on at most a share 1 − q of positions; the *exact* rate is ε = 0, q = 1 (ReLU never
  positive on the evaluation set); the ε-variant (ε = 1e-6, q = 0.99) suits SiLU/GELU, which are never exactly 0;
* **activation sparsity**: share of entries with |a| ≤ ε (the Lazy Neuron paper reports 1 − this for ReLU).

CETT / PPL-p%, Top-k, fixed thresholds, CATS and WINA live in `actlab.analysis.sparsify`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError, ShapeError, UnknownNameError

Tensor = torch.Tensor


def select_modules(model: nn.Module, which: Any) -> dict[str, nn.Module]:
    """Named submodules of ``model`` picked by an activation name (``"relu"`` matches what `actlab.swap`
    matches: actlab, torch.nn and known foreign modules computing it), a submodule name, a type (or tuple of
    types), a list of names, a list of modules, or a predicate ``f(name, module) -> bool``. Raises
    `ParameterError` when nothing matches."""
    named = dict(model.named_modules())
    if isinstance(which, str):
        if which in named and which:
            return {which: named[which]}
        from actlab.core.registry import get
        from actlab.core.swap import identify

        try:
            target = get(which).name
        except UnknownNameError as e:
            raise ParameterError(f"modules: {which!r} is neither a submodule name nor an activation name ({e})"
                                 ) from None
        out = {n: m for n, m in named.items() if n and identify(m) == target}
    elif isinstance(which, type) or (isinstance(which, tuple) and all(isinstance(t, type) for t in which)):
        out = {n: m for n, m in named.items() if isinstance(m, which)}
    elif callable(which) and not isinstance(which, nn.Module):
        out = {n: m for n, m in named.items() if which(n, m)}
    elif isinstance(which, Iterable) and not isinstance(which, (str, nn.Module)):
        out = {}
        by_id = {id(m): n for n, m in named.items()}
        for w in which:
            if isinstance(w, str):
                if w not in named:
                    raise ParameterError(f"modules: no submodule named {w!r} (first names: {list(named)[:8]})")
                out[w] = named[w]
            elif isinstance(w, nn.Module) and id(w) in by_id:
                out[by_id[id(w)]] = w
            else:
                raise ParameterError(f"modules: {w!r} is not a submodule name or a submodule of the model")
    else:
        raise ParameterError("modules: expected a module type, a list of names or modules, or a predicate; "
                             f"got {type(which).__name__}")
    if not out:
        raise ParameterError(f"modules: nothing in {type(model).__name__} matches {which!r}")
    return out


@contextmanager
def removing(handles: list[Any]) -> Iterator[None]:
    """Remove the given hook handles on exit, whatever happens inside."""
    try:
        yield
    finally:
        for h in handles:
            h.remove()


@contextmanager
def recording(modules: dict[str, nn.Module], where: str = "output") -> Iterator[dict[str, list[Tensor]]]:
    """Inside the block, every call of each module appends its output (or first input) to ``store[name]``."""
    if where not in ("output", "input"):
        raise ParameterError(f"where must be 'output' or 'input', got {where!r}")
    store: dict[str, list[Tensor]] = {n: [] for n in modules}
    handles = []
    for name, mod in modules.items():
        if where == "output":
            def hook(m, args, out, name=name):
                store[name].append((out[0] if isinstance(out, tuple) else out).detach())
            handles.append(mod.register_forward_hook(hook))
        else:
            def pre(m, args, name=name):
                store[name].append(args[0].detach())
            handles.append(mod.register_forward_pre_hook(pre))
    with removing(handles):
        yield store


def collect_raw(model: nn.Module, batches: Any, modules: Any, where: str = "output",
                forward: Callable[[nn.Module, Any], Any] | None = None) -> dict[str, list[Tensor]]:
    """Run ``batches`` (one input or a list of them) through ``model`` in eval mode without gradients and
    return each selected module's outputs (or inputs) per call, shapes untouched."""
    mods = select_modules(model, modules)
    if not isinstance(batches, (list, tuple)):
        batches = [batches]
    forward = forward or (lambda m, b: m(b))
    was = model.training
    model.eval()
    try:
        with torch.no_grad(), recording(mods, where) as store:
            for b in batches:
                forward(model, b)
    finally:
        model.train(was)
    return store


def collect(model: nn.Module, batches: Any, modules: Any, where: str = "output",
            forward: Callable[[nn.Module, Any], Any] | None = None, dim: int | None = -1) -> dict[str, Tensor]:
    """Like `collect_raw`, with each module's activations flattened to (positions, units); the units are on
    ``dim`` (None: per module, the dim `unit_dims` reads)."""
    dims = unit_dims(model, batches, modules, where, forward) if dim is None else None
    store = collect_raw(model, batches, modules, where, forward)
    out = {}
    for n, ts in store.items():
        if ts:
            d = dims[n] if dims is not None else dim
            for t in ts:
                if t.dim() and not -t.dim() <= d < t.dim():
                    raise ParameterError(f"dim={d} is out of range for the activations of {n!r}, shape "
                                         f"{tuple(t.shape)}")
            out[n] = torch.cat([t.movedim(d, -1).reshape(-1, t.shape[d]) if t.dim() else t.reshape(1, 1)
                                for t in ts])
    return out


def unit_dims(model: nn.Module, batches: Any, modules: Any, where: str = "output",
              forward: Callable[[nn.Module, Any], Any] | None = None) -> dict[str, int]:
    """Per selected module, the dim holding its units (channels), read from the module producing the tensor
    as `actlab.swap` reads it (Linear/HF Conv1D → -1, Conv/pool/BatchNorm → 1) on the first batch; a
    `ParameterError` asks for ``dim=`` where it cannot tell."""
    from actlab.core.swap import trace_channel_dims

    mods = select_modules(model, modules)
    first = batches[0] if isinstance(batches, (list, tuple)) else batches
    forward = forward or (lambda m, b: m(b))
    seen = trace_channel_dims(model, list(mods.values()), None, where=where, run=lambda: forward(model, first))
    dims = {}
    for name, mod in mods.items():
        cds = {cd for _w, cd in seen[id(mod)]}
        if None in cds or len(cds) > 1:
            raise ParameterError(f"cannot tell which dim of {name!r}'s {where} holds the units (its {where} does "
                                 "not come straight from a Linear/Conv1D or a Conv/BatchNorm layer); pass dim=-1 "
                                 "for (B, T, C) or dim=1 for (N, C, *)")
        dims[name] = cds.pop() if cds else -1
    return dims


def _units(a: Tensor) -> Tensor:
    if not isinstance(a, Tensor):
        a = torch.as_tensor(a)
    if a.dim() < 1 or a.numel() == 0:
        raise ShapeError(f"activations must be a non-empty tensor (..., units), got shape {tuple(a.shape)}")
    if torch.isnan(a).any():
        raise ParameterError("activations contain NaN; sparsity of NaN is undefined")
    return a.reshape(-1, a.shape[-1]) if a.dim() > 1 else a[:, None]


def _check_eps(eps: float) -> float:
    if not eps >= 0:
        raise ParameterError(f"eps must be >= 0, got {eps!r}")
    return float(eps)


def firing_frequency(acts: Tensor, eps: float = 0.0) -> Tensor:
    """Per unit, the share of positions where |a| > eps; shape (units,)."""
    return (_units(acts).abs() > _check_eps(eps)).float().mean(0)


def dead_neuron_rate(acts: Tensor, eps: float = 0.0, q: float = 1.0) -> float:
    """Share of units that stay within ±eps on at least a share q of positions (exact: eps = 0, q = 1)."""
    if not 0.0 < q <= 1.0:
        raise ParameterError(f"q must be in (0, 1], got {q!r}")
    quiet = 1.0 - firing_frequency(acts, eps)
    return float((quiet >= q - 1e-12).float().mean())


def activation_sparsity(acts: Tensor, eps: float = 0.0) -> float:
    """Share of entries with |a| <= eps."""
    return float((_units(acts).abs() <= _check_eps(eps)).float().mean())


def sparsity_report(model: nn.Module, batches: Any, modules: Any, eps: float = 0.0, q: float = 1.0,
                    where: str = "output", dim: int | None = None) -> dict[str, dict[str, Any]]:
    """Per selected module: activation sparsity, dead rate, and the firing frequency of each unit.

    ``modules`` as in `select_modules` (``"relu"`` picks every ReLU). Units are channels on ``dim``; by
    default each module's own (dim 1 of a CNN's (N, C, H, W), the last dim of an MLP's or transformer's
    activations), read as `actlab.swap` reads it."""
    acts = collect(model, batches, modules, where, dim=dim)
    return {n: {"sparsity": activation_sparsity(a, eps), "dead_rate": dead_neuron_rate(a, eps, q),
                "firing": firing_frequency(a, eps), "units": a.shape[1], "positions": a.shape[0]}
            for n, a in acts.items()}
