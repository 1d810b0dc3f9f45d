"""`swap`: replace activation modules inside any ``nn.Module`` tree (torch.nn, timm, HF transformers)."""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from torch import nn

from actlab.core.errors import ParameterError
from actlab.core.module import Activation
from actlab.core.registry import _SPECS, _ensure_loaded, create, get
from actlab.core.spec import ActivationSpec


def identify(module: nn.Module) -> str | None:
    """The registered activation name computed by ``module``, or None.

    Knows actlab's own modules, torch.nn's activation classes and the foreign class names that specs list
    (e.g. HF transformers' ``GELUActivation``, ``NewGELUActivation``).
    """
    _ensure_loaded()
    spec = getattr(module, "spec", None)
    if isinstance(module, Activation) or isinstance(spec, ActivationSpec):
        return spec.name
    cls = type(module).__name__
    if isinstance(module, nn.GELU):  # one torch class, two formulas
        return "gelu_tanh" if module.approximate == "tanh" else "gelu"
    for s in _SPECS.values():
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


def _factory(new: Any, params: dict[str, Any]) -> Callable[[nn.Module], nn.Module]:
    if isinstance(new, nn.Module):
        return lambda _old: copy.deepcopy(new)
    if callable(new) and not isinstance(new, type) and not isinstance(new, ActivationSpec):
        return lambda _old: new(**params)
    create(new, **params)  # fail early on a bad name or parameter, before touching the model
    return lambda _old: create(new, **params)


def swap(model: nn.Module, old: Any, new: Any, **params: Any) -> int:
    """Replace every submodule matching ``old`` with a fresh ``new`` module; return how many were replaced.

    ``old``: an activation name (matches actlab modules, torch.nn natives and known foreign classes), a
    class (isinstance), or a predicate ``f(module) -> bool``. ``new``: a name, spec, class, module instance
    (deep-copied per site) or a factory; ``params`` go to its constructor. Replaced modules are not searched
    again, so ``swap(m, "relu", "relu")`` terminates.
    """
    match, make = _matcher(old), _factory(new, params)
    sites = []
    for parent in model.modules():
        for name, child in parent.named_children():
            if child is not None and match(child):
                sites.append((parent, name, child))
    for parent, name, child in sites:
        setattr(parent, name, make(child))
    return len(sites)
