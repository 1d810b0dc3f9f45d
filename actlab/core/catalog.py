"""The catalogue of activation specs: one name (plus aliases) per spec in one `Registry`.

The zoo and learnable packages register their specs when imported (``import actlab`` imports both); this module
never imports them. `actlab.core.registry` builds modules and functions from these names.
"""
from __future__ import annotations

from actlab.core.errors import ParameterError, UnknownNameError
from actlab.core.named_registry import Registry
from actlab.core.spec import FAMILIES, ActivationSpec

# helpers: a spec registered through define() or promote() belongs to the module calling them (a zoo file, the
# plugin file `search-promote -o` writes)
ACTIVATIONS: Registry[ActivationSpec] = Registry(
    "activation", helpers=(__name__, "actlab.core.registry", "actlab.zoo._define", "actlab.search.promote"))
"""Every activation spec by name. The zoo and learnable packages register theirs when imported (``import actlab``
imports both); this module never imports them."""


def register(spec: ActivationSpec, replace: bool = False) -> ActivationSpec:
    """Add ``spec`` to the registry under its name and aliases; return it.

    Args:
        spec: the activation's definition (`actlab.core.spec.ActivationSpec`): ``fn`` or ``module``, parameters
            with ranges, formula, source.
        replace: replace the spec registered under the same name (e.g. after editing a plugin and reloading it
            in a notebook); its old aliases go with it. Without it, a name or alias that is already taken raises
            `actlab.core.named_registry.DuplicateNameError` (an `actlab.core.errors.ActlabError` and a
            ``ValueError``) naming the module that registered the existing definition.

    The registering module is recorded (``ACTIVATIONS.entry(name).module``): a plugin's activations are
    labelled with their file in benchmark databases and reports, and their run keys include a hash of their
    code (`actlab.tasks.codehash.activation_identity`). `unregister` removes a spec again.

    Example::

        actlab.register(ActivationSpec("pmish", "smooth", "x·tanh(softplus(βx))", Source("mine"), fn=pmish,
                                       params=(Param("beta", 1.0, low=0.0, open=(True, False)),)))
    """
    if not isinstance(spec, ActivationSpec):
        raise ParameterError(f"register() takes an ActivationSpec, got {type(spec).__name__}")
    ACTIVATIONS.add(spec.name, spec, aliases=spec.aliases, replace=replace, family=spec.family, kind=spec.kind)
    return spec


def unregister(name: str) -> ActivationSpec:
    """Remove the activation ``name`` (or the one an alias names) with its aliases; return its spec."""
    return ACTIVATIONS.remove(name).value


def get(name: str | ActivationSpec) -> ActivationSpec:
    """The spec for a name or alias; unknown names raise `UnknownNameError` with close matches."""
    if isinstance(name, ActivationSpec):
        return name
    if not isinstance(name, str):
        raise ParameterError(f"activation must be a name, got {type(name).__name__}")
    return ACTIVATIONS.get(name)


def names(family: str | None = None, kind: str | None = None) -> list[str]:
    """Registered names (no aliases), sorted; optionally one family and/or kind."""
    if family is not None and family not in FAMILIES:
        raise UnknownNameError("family", family, FAMILIES)
    return sorted(e.name for e in ACTIVATIONS.entries()
                  if (family is None or e.value.family == family) and (kind is None or e.value.kind == kind))


