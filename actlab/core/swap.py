"""`swap`: replace activation modules inside any ``nn.Module`` tree (torch.nn, timm, HF transformers)."""
from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from actlab.core.errors import ParameterError
from actlab.core.module import Activation, module_class
from actlab.core.registry import ACTIVATIONS, create, get
from actlab.core.spec import ActivationSpec


def identify(module: nn.Module) -> str | None:
    """The registered activation name computed by ``module``, or None.

    Knows actlab's own modules, torch.nn's activation classes and the foreign class names that specs list
    (e.g. HF transformers' ``GELUActivation``, ``NewGELUActivation``).
    """
    spec = getattr(module, "spec", None)
    if isinstance(module, Activation) or isinstance(spec, ActivationSpec):
        return spec.name
    cls = type(module).__name__
    if isinstance(module, nn.GELU):  # one torch class, two formulas
        return "gelu_tanh" if module.approximate == "tanh" else "gelu"
    for s in ACTIVATIONS.values():
        if s.module is not None and type(module) is s.module:
            return s.name
        if cls in s.foreign_modules:
            return s.name
    return None


def _matcher(old: Any) -> Callable[[nn.Module], bool]:
    if isinstance(old, (str, ActivationSpec)):
        target = get(old).name
        return lambda m: identify(m) == target
    if isinstance(old, type):
        return lambda m: isinstance(m, old)
    if callable(old):
        return lambda m: bool(old(m))
    raise ParameterError(f"swap: `old` must be an activation name, a class or a predicate, got {old!r}")


AUTO = "auto"


def _width_param(new: Any, params: dict[str, Any]) -> str | None:
    """The constructor argument to fill with each site's channel count, if ``new`` needs one: its class'
    ``width_param`` when given as "auto", or when it is required and not given."""
    if isinstance(new, nn.Module) or not (isinstance(new, (str, ActivationSpec, type))):
        return None
    cls = new if isinstance(new, type) else module_class(get(new))
    width = getattr(cls, "width_param", None)
    if width is None:
        return None
    if params.get(width) == AUTO:
        return width
    p = inspect.signature(cls).parameters.get(width)
    return width if p is not None and p.default is inspect.Parameter.empty and width not in params else None


def _factory(new: Any, params: dict[str, Any], width: str | None) -> Callable[[nn.Module, int | None], nn.Module]:
    if isinstance(new, nn.Module):
        return lambda _old, _w: copy.deepcopy(new)
    if callable(new) and not isinstance(new, type) and not isinstance(new, ActivationSpec):
        return lambda _old, _w: new(**params)
    if width is None:
        create(new, **params)  # fail early on a bad name or parameter, before touching the model
        return lambda _old, _w: create(new, **params)
    create(new, **{**params, width: 1})  # the same early check, with a stand-in width
    return lambda _old, w: create(new, **{**params, width: w})


def _site_widths(model: nn.Module, sites: list, example: Any) -> list[int]:
    """dim 1 of each site's input in one no-grad, eval-mode pass of ``model(example)`` (train flags restored)."""
    seen: dict[int, set[int]] = {id(child): set() for _q, _p, _n, child in sites}
    def record(mod: nn.Module, args: tuple) -> None:
        x = args[0] if args else None
        if isinstance(x, torch.Tensor):  # channels on dim 1, as torch's per-channel layers (PReLU, BatchNorm)
            seen[id(mod)].add(int(x.shape[1]) if x.dim() > 1 else 1)

    hooks = [child.register_forward_pre_hook(record) for child in {id(c): c for _q, _p, _n, c in sites}.values()]
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            model(*example) if isinstance(example, tuple) else model(example)
    finally:
        for h in hooks:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    widths = []
    for qual, _parent, _name, child in sites:
        found = seen[id(child)]
        if len(found) != 1:
            why = "was not called by model(example)" if not found else f"sees inputs of widths {sorted(found)}"
            raise ParameterError(f"swap: cannot read the channel count at {qual!r}: the module {why}")
        widths.append(next(iter(found)))
    return widths


def swap(model: nn.Module, old: Any, new: Any, *, example: Any = None, **params: Any) -> int:
    """Replace every submodule matching ``old`` with a fresh ``new`` module; return how many were replaced.

    ``old``: an activation name (matches actlab modules, torch.nn natives and known foreign classes), a
    class (isinstance), or a predicate ``f(module) -> bool``. ``new``: a name, spec, class, module instance
    (deep-copied per site) or a factory; ``params`` go to its constructor. Replaced modules are not searched
    again, so ``swap(m, "relu", "relu")`` terminates.

    Layers with per-channel state (EvoNorm's ``num_features``; ``num_parameters="auto"`` for PReLU-style
    activations and DARUAN) get each site's own channel count (dim 1 of its input) from one no-grad, eval-mode
    pass of ``model(example)`` (a tuple is unpacked as arguments)::

        actlab.swap(cnn, "relu", "evonorm_b0", example=images[:2])
        actlab.swap(cnn, "relu", "prelu", num_parameters="auto", example=images[:2])
    """
    match = _matcher(old)
    width = _width_param(new, params)
    if width is not None and example is None:
        raise ParameterError(f"swap: {width} of the new modules depends on each site's channel count; pass "
                             f"example=<an input batch> so swap can read it, or {width}=N for one fixed width")
    make = _factory(new, params, width)
    qualified = {id(m): q for q, m in model.named_modules()}
    sites = []
    for parent in model.modules():
        for name, child in parent.named_children():
            if child is not None and match(child):
                prefix = qualified.get(id(parent), "")
                sites.append((f"{prefix}.{name}" if prefix else name, parent, name, child))
    widths = _site_widths(model, sites, example) if width is not None and sites else [None] * len(sites)
    for (_qual, parent, name, child), w in zip(sites, widths):
        setattr(parent, name, make(child, w))
    return len(sites)
