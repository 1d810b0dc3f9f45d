"""The one helper every zoo file uses: build a spec and register it."""
from __future__ import annotations

from typing import Any

from actlab.core.registry import register
from actlab.core.spec import ActivationSpec, Param, Props, Source

__all__ = ["define", "Param", "Source", "sp", "sig", "Phi", "relu_s", "softplus_s", "pw"]


class _LazySympy:
    """``sp.<name>`` resolved on first use: specs only build sympy forms on demand, and importing sympy
    costs about a second at CLI start-up."""

    def __getattr__(self, name: str) -> Any:
        import sympy

        return getattr(sympy, name)


sp = _LazySympy()


def define(name: str, family: str, formula: str, fn: Any, *, source: Source, props: str = "",
           params: tuple[Param, ...] | list[Param] = (), **kw: Any) -> ActivationSpec:
    return register(ActivationSpec(name=name, family=family, formula=formula, fn=fn, source=source,
                                   props=Props.of(props), params=tuple(params), **kw))


# sympy building blocks shared by the specs (sigmoid and softplus in the one dialect of actlab.core.elementary)
def sig(z):
    from actlab.core.elementary import closed_sigmoid  # imports sympy: only when a closed form is built

    return closed_sigmoid(z)


def Phi(z):
    return (1 + sp.erf(z / sp.sqrt(2))) / 2


def relu_s(z):
    return sp.Piecewise((0, z < 0), (z, True))


def softplus_s(z):
    from actlab.core.elementary import closed_softplus

    return closed_softplus(z)


def pw(*pairs):
    """Piecewise from (value, condition) pairs; the last value is the fallback."""
    *head, last = pairs
    return sp.Piecewise(*head, (last, True))
