"""Turn any ``act=`` argument into a factory of fresh activation modules, one per site in a model.

Accepted: a registered name or spec, an ``nn.Module`` class, an ``nn.Module`` instance (deep-copied per
site, so learnable parameters are never shared by accident), a zero-argument factory returning a module,
or None (identity).
"""
from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from torch import nn

from actlab.core.errors import ParameterError
from actlab.core.registry import create
from actlab.core.spec import ActivationSpec

ActFactory = Callable[[], nn.Module]


def act_factory(act: Any = "relu", **params: Any) -> ActFactory:
    """A zero-argument callable that builds a fresh activation module; fails now on bad names/params."""
    if isinstance(act, nn.Module):
        if params:
            raise ParameterError("act: parameters cannot be applied to an already-built module instance")
        return lambda: copy.deepcopy(act)
    if act is None or isinstance(act, (str, ActivationSpec)) or (isinstance(act, type) and issubclass(act, nn.Module)):
        create(act, **params)  # validate the name and parameters before any model is built
        return lambda: create(act, **params)
    if callable(act):
        def make() -> nn.Module:
            mod = act(**params)
            if not isinstance(mod, nn.Module):
                raise ParameterError(f"act: the factory {act!r} returned {type(mod).__name__}, not an nn.Module")
            return mod
        make()
        return make
    raise ParameterError(f"act: expected an activation name, spec, nn.Module class or instance, a factory or "
                         f"None; got {type(act).__name__}")


def is_gated(module: nn.Module) -> bool:
    """True for units that halve their input along a dim (the GLU family): value ⊙ g(gate)."""
    spec = getattr(module, "spec", None)
    return isinstance(module, nn.GLU) or getattr(spec, "kind", None) == "gated"


def set_gate_dim(module: nn.Module, dim: int) -> nn.Module:
    """Point a gated unit at the channel dim (actlab units and ``nn.GLU`` both keep it in ``.dim``)."""
    if hasattr(module, "dim"):
        module.dim = dim
    return module


def act_label(act: Any) -> str:
    """A short name for records: the registered name when there is one, else the class/function name."""
    from actlab.core.registry import get
    from actlab.core.swap import identify

    if isinstance(act, ActivationSpec):
        return act.name
    if isinstance(act, str):
        return get(act).name
    if act is None:
        return "identity"
    if isinstance(act, nn.Module):
        return identify(act) or type(act).__name__
    if isinstance(act, type):
        try:
            return identify(act()) or act.__name__
        except TypeError:
            return act.__name__
    return getattr(act, "__name__", type(act).__name__)
