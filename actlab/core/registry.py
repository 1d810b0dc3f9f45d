"""The registry: one name (plus aliases) per spec; `get`, `names`, `create`, `functional`, `swap`."""
from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

from torch import nn

from actlab.core.errors import DuplicateNameError, ParameterError, UnknownNameError, suggest
from actlab.core.module import Activation, module_class
from actlab.core.spec import FAMILIES, ActivationSpec

_SPECS: dict[str, ActivationSpec] = {}
_ALIASES: dict[str, str] = {}
_ORIGINS: dict[str, tuple[str, str]] = {}  # canonical name -> (module, file) that registered it


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def _defining_module() -> tuple[str, str]:
    """(module name, file) of the code that is registering: the nearest caller frame running module-level code
    (the module being imported or run: ``actlab.zoo.classic``, a plugin file, ``__main__``), so helpers such as
    ``define`` or ``promote`` are looked through."""
    frame = sys._getframe(2)
    first = frame
    while frame is not None:
        if frame.f_code.co_name == "<module>" and not frame.f_code.co_filename.startswith("<frozen"):
            break
        frame = frame.f_back
    frame = frame or first
    return str(frame.f_globals.get("__name__", "?")), frame.f_code.co_filename


def register(spec: ActivationSpec, *, replace: bool = False) -> ActivationSpec:
    """Add ``spec`` under its name and aliases and return it.

    Args:
        spec: the activation's definition (`ActivationSpec`).
        replace: redefine a name that is already registered (e.g. after editing a plugin and reloading it in a
            notebook): every spec whose name or aliases clash with ``spec``'s is removed first. Without it a
            clash raises `DuplicateNameError` (an `ActlabError` and a `ValueError`) naming the module and file
            that registered the existing definition.

    The module that registers (a plugin file, ``__main__``, a zoo module) is recorded; `origin` returns it.
    """
    module, file = _defining_module()
    clashes = {_ALIASES.get(_key(n), _key(n)) for n in (spec.name, *spec.aliases)
               if _key(n) in _SPECS or _key(n) in _ALIASES}
    if clashes and not replace:
        old = _SPECS[sorted(clashes)[0]]
        where = _ORIGINS.get(_key(old.name), ("?", "?"))
        raise DuplicateNameError(
            f"activation name {spec.name!r} clashes with {old.name!r}, already registered by module {where[0]!r} "
            f"({where[1]}); pass replace=True to redefine it, or call actlab.unregister({old.name!r}) first")
    for k in clashes:
        unregister(_SPECS[k].name)
    _SPECS[_key(spec.name)] = spec
    _ORIGINS[_key(spec.name)] = (module, file)
    for a in spec.aliases:
        _ALIASES[_key(a)] = _key(spec.name)
    return spec


def unregister(name: str) -> ActivationSpec:
    """Remove a registered activation (by name or alias) with its aliases and return its spec; unknown names
    raise `UnknownNameError` with close matches."""
    spec = get(name)
    k = _key(spec.name)
    del _SPECS[k]
    _ORIGINS.pop(k, None)
    for a in [a for a, target in _ALIASES.items() if target == k]:
        del _ALIASES[a]
    return spec


def origin(name: str | ActivationSpec) -> tuple[str, str]:
    """(module name, file) that registered activation ``name``: ``("actlab.zoo.classic", ".../classic.py")``
    for a built-in, the plugin's module and file for a plugin."""
    return _ORIGINS.get(_key(get(name).name), ("?", "?"))


def _ensure_loaded() -> None:
    import actlab.zoo  # noqa: F401  (registers the zoo on import)
    import actlab.learnable  # noqa: F401


def get(name: str | ActivationSpec) -> ActivationSpec:
    """The spec for a name or alias; unknown names raise `UnknownNameError` with close matches."""
    if isinstance(name, ActivationSpec):
        return name
    _ensure_loaded()
    if not isinstance(name, str):
        raise ParameterError(f"activation must be a name, got {type(name).__name__}")
    k = _key(name)
    k = _ALIASES.get(k, k)
    if k not in _SPECS:
        raise UnknownNameError("activation", name, list(_SPECS) + list(_ALIASES))
    return _SPECS[k]


def names(family: str | None = None, kind: str | None = None) -> list[str]:
    """Registered names (no aliases), sorted; optionally one family and/or kind."""
    _ensure_loaded()
    if family is not None and family not in FAMILIES:
        raise UnknownNameError("family", family, FAMILIES)
    return sorted(s.name for s in _SPECS.values()
                  if (family is None or s.family == family) and (kind is None or s.kind == kind))


def specs(family: str | None = None) -> list[ActivationSpec]:
    return [get(n) for n in names(family)]


def create(act: Any = "relu", inplace: bool | None = None, **params: Any) -> nn.Module:
    """Build an activation module from a name, a spec, a module class, a module instance or ``None``.

    ``None`` (or "" / "none" / "identity") gives ``nn.Identity``. As in timm, ``inplace`` is best effort:
    it is dropped for activations that have no in-place variant.
    """
    if act is None or (isinstance(act, str) and _key(act) in ("", "none")):
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
    """The functional twin ``f(x, **params)``; parameters are validated against the spec's ranges."""
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
