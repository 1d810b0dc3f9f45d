"""Activation sparsity of any ``nn.Module``: hooks that collect activations, dead-neuron rate, firing frequency.

Definitions (the reference note §4.8; there is no single canonical source, so we state ours):

* a unit's activations are the last dim of a module's output (or input), over every other position
  (samples, tokens);
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

from actlab.core.errors import ParameterError, ShapeError

Tensor = torch.Tensor


def select_modules(model: nn.Module, which: Any) -> dict[str, nn.Module]:
    """Named submodules of ``model`` picked by a type (or tuple of types), a list of names, a list of modules,
    or a predicate ``f(name, module) -> bool``. Raises `ParameterError` when nothing matches."""
    named = dict(model.named_modules())
    if isinstance(which, type) or (isinstance(which, tuple) and all(isinstance(t, type) for t in which)):
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
            forward: Callable[[nn.Module, Any], Any] | None = None) -> dict[str, Tensor]:
    """Like `collect_raw`, with each module's activations flattened to (positions, units)."""
    store = collect_raw(model, batches, modules, where, forward)
    return {n: torch.cat([t.reshape(-1, t.shape[-1]) for t in ts]) for n, ts in store.items() if ts}


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
                    where: str = "output") -> dict[str, dict[str, Any]]:
    """Per selected module: activation sparsity, dead rate, and the firing frequency of each unit."""
    acts = collect(model, batches, modules, where)
    return {n: {"sparsity": activation_sparsity(a, eps), "dead_rate": dead_neuron_rate(a, eps, q),
                "firing": firing_frequency(a, eps), "units": a.shape[1], "positions": a.shape[0]}
            for n, a in acts.items()}
