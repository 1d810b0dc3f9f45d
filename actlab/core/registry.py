"""The activation registry's public face: `register`, `unregister`, `get`, `names` (from `actlab.core.catalog`),
`specs`, and what builds modules and functions from a name: `create`, `functional`."""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from torch import nn

from actlab.core.catalog import ACTIVATIONS, get, names, register, unregister  # noqa: F401  (re-exported)
from actlab.core.errors import ParameterError, suggest
from actlab.core.module import Activation, module_class
from actlab.core.named_registry import normalise
from actlab.core.spec import ActivationSpec

def specs(family: str | None = None) -> list[ActivationSpec]:
    return [get(n) for n in names(family)]


def create(act: Any = "relu", inplace: bool | None = None, **params: Any) -> nn.Module:
    """Build an activation module from a name, a spec, a module class, a module instance or ``None``.

    Args:
        act: a registered name or alias (``"gelu"``), an `actlab.core.spec.ActivationSpec`, an ``nn.Module``
            class (called with ``params``), an ``nn.Module`` instance (returned as is), or ``None`` / ``""`` /
            ``"none"`` / ``"identity"`` for ``nn.Identity``.
        inplace: as in timm, best effort: dropped for activations that have no in-place variant.
        **params: keywords of the module. For activations built from a spec (every zoo entry):

            - the spec's own parameters, e.g. ``beta=`` of ``smelu`` (``actlab list`` shows them), checked
              against their ranges (`ParameterError` names the parameter and the range);
            - ``learnable=``: ``True`` (every parameter becomes an ``nn.Parameter``), ``False`` (none), or an
              iterable of parameter names; default: the parameters the spec marks learnable;
            - ``num_parameters=``: per-channel learnable parameters of shape ``(num_parameters,)`` (default 1,
              one shared scalar); ``actlab.swap(..., num_parameters="auto", example=batch)`` fills it per site;
            - ``channel_dim=``: the input dim holding those channels, 1 for ``(N, C, *)`` (default) or -1 for
              channels-last ``(B, T, C)``;
            - ``backend=``: ``"eager"`` or ``"compiled"`` (a fused kernel via ``torch.compile``); default
              from `actlab.set_backend`;
            - ``dim=``: the dim a gated unit (GLU family) splits in half (default -1).

            Layer-kind specs (``rational``, ``evonorm_b0``, ``daruan``, ``grkan``, ...) take their own class's
            keywords instead; an unknown keyword raises `ParameterError` listing the valid ones.

    Example::

        act = actlab.create("prelu", num_parameters=64, channel_dim=1)
        act = actlab.create("smelu", beta=2.0, learnable=True)
    """
    if act is None or (isinstance(act, str) and normalise(act) in ("", "none")):
        return nn.Identity()
    if isinstance(act, nn.Module):
        return act
    if isinstance(act, type) and issubclass(act, nn.Module):
        if inplace is None:
            return act(**params)
        try:
            return act(inplace=inplace, **params)
        except TypeError:
            return act(**params)
    spec = get(act)
    cls = module_class(spec)
    layer = not (isinstance(cls, type) and issubclass(cls, Activation))  # own constructor (class or factory)
    if inplace and (spec.supports_inplace or layer):
        params["inplace"] = True
    if layer:  # check the call before making it
        _check_call(spec.name, cls, params)
    return cls(**params)


def _check_call(name: str, cls: Callable[..., Any], params: dict[str, Any]) -> None:
    """Turn what would be a bare TypeError from ``cls(**params)`` into a ParameterError that names the missing
    or unknown parameters (with close matches and the valid list); ``inplace`` is dropped where unsupported."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):  # no introspectable signature: let the call itself speak
        return
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    valid = [n for n, p in sig.parameters.items() if p.kind in kinds]
    if "inplace" not in valid:
        params.pop("inplace", None)
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        unknown = [k for k in params if k not in valid]
        if unknown:
            hints = sorted({h for k in unknown for h in suggest(k, valid, 3)})
            raise ParameterError(f"{name}: unknown parameter(s) {', '.join(map(repr, unknown))}"
                                 + (f"; did you mean: {', '.join(hints)}?" if hints else "")
                                 + f" (valid: {', '.join(valid)})")
    missing = [n for n in valid if sig.parameters[n].default is inspect.Parameter.empty and n not in params]
    if missing:
        width = getattr(cls, "width_param", None)
        hint = (f"; {width} is the channel count (dim 1 of the input): `actlab.swap(model, old, {name!r}, "
                f"example=batch)` reads it at every site" if width in missing else "")
        raise ParameterError(f"{name} needs {', '.join(missing)}{hint}")


def functional(name: str | ActivationSpec) -> Callable[..., Any]:
    """The functional twin ``f(x, **params)`` of activation ``name`` (a name, alias or spec).

    The returned ``f`` accepts the spec's parameters as keywords (floats or broadcastable tensors; defaults
    filled in, ranges checked, unknown names a `ParameterError`), plus ``inplace=True`` where the spec has an
    in-place variant, ``dim=`` for gated units (the dim split in half) and ``training=`` for specs that behave
    differently in training (``uses_training``). Layer-kind specs have no functional form (`ParameterError`:
    build them with `create`).

    Example::

        actlab.functional("smelu")(x, beta=1.0)
    """
    spec = get(name)
    if spec.fn is None:
        raise ParameterError(f"{spec.name} is a layer with its own state; build it with actlab.create()")
    extra = ("training", "dim", "inplace")

    def f(x, **params):
        inplace = params.pop("inplace", False)
        kw = spec.bind(params, extra=extra)
        if inplace:
            if not spec.supports_inplace:
                raise ParameterError(f"{spec.name} does not support inplace=True")
            return spec.inplace_fn(x, **kw)
        return spec.fn(x, **kw)

    f.__name__ = spec.name
    f.__doc__ = f"{spec.formula}\n\n{spec.source.cite()}"
    return f
