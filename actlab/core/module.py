"""Derive an ``nn.Module`` class from an `ActivationSpec` (one generated class per spec)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import torch
from torch import nn

from actlab.core.catalog import get
from actlab.core.compiled import compiled, default_backend
from actlab.core.errors import ParameterError, ShapeError, check_int
from actlab.core.spec import ActivationSpec


def channel_view(p: torch.Tensor, x: torch.Tensor, channel_dim: int = 1) -> torch.Tensor:
    """Broadcast a per-channel parameter of shape (C,) against x with channels on ``channel_dim``: 1 for
    ``(N, C, *)`` (as torch's PReLU and BatchNorm), -1 for channels-last ``(B, T, C)`` (after ``nn.Linear``)."""
    if p.numel() == 1 or x.dim() < 2:
        return p.reshape(()) if p.numel() == 1 else p
    d = check_channel_dim(channel_dim, x)
    if x.shape[d] != p.numel():
        raise ShapeError(f"per-channel parameter has {p.numel()} channels but input {tuple(x.shape)} has "
                         f"{x.shape[d]} on dim {channel_dim} (channel_dim={channel_dim}; channels-last inputs "
                         "such as a transformer's (B, T, C) need channel_dim=-1)")
    shape = [1] * x.dim()
    shape[d] = -1
    return p.reshape(shape)


def check_channel_dim(channel_dim: int, x: torch.Tensor) -> int:
    """``channel_dim`` as a non-negative index into ``x``'s dims, or a ShapeError saying what fits."""
    if not -x.dim() <= channel_dim < x.dim():
        raise ShapeError(f"channel_dim={channel_dim} is out of range for an input of shape {tuple(x.shape)} "
                         f"(allowed: {-x.dim()}..{x.dim() - 1})")
    return channel_dim % x.dim()


class Activation(nn.Module):
    """Base class of every spec-derived activation module.

    Parameters marked learnable in the spec (or named in ``learnable``) become ``nn.Parameter`` of shape
    ``(num_parameters,)``; the others are plain floats. ``backend="compiled"`` runs the forward through a
    fused kernel compiled once by ``torch.compile`` (see ``actlab.core.compiled``).
    """

    spec: ClassVar[ActivationSpec]
    width_param: ClassVar[str] = "num_parameters"  # per-channel parameters: `swap(..., num_parameters="auto")`

    def __init__(self, *, inplace: bool = False, num_parameters: int = 1,
                 learnable: bool | Iterable[str] | None = None, backend: str | None = None, dim: int = -1,
                 channel_dim: int = 1, **params: Any):
        super().__init__()
        spec = self.spec
        if inplace and not spec.supports_inplace:
            raise ParameterError(f"{spec.name} does not support inplace=True")
        if backend is None:
            backend = default_backend()
        if backend not in ("eager", "compiled"):
            raise ParameterError(f"{spec.name}: backend must be 'eager' or 'compiled', got {backend!r}")
        num_parameters = check_int("num_parameters", num_parameters, 1, spec.name)
        if not isinstance(channel_dim, int) or isinstance(channel_dim, bool):
            raise ParameterError(f"{spec.name}: channel_dim must be an integer (1 for (N, C, *), -1 for "
                                 f"channels-last), got {channel_dim!r}")
        self.channel_dim = channel_dim
        values = spec.bind(params)
        if learnable is None:
            learn = {p.name for p in spec.params if p.learnable}
        elif isinstance(learnable, bool):
            learn = set(spec.param_map) if learnable else set()
        else:
            learn = set(learnable)
            bad = learn - set(spec.param_map)
            if bad:
                raise ParameterError(f"{spec.name}: cannot make {sorted(bad)} learnable; parameters are "
                                     f"{sorted(spec.param_map)}")
        self.inplace, self.backend, self.dim = inplace, backend, dim
        self._names = tuple(spec.param_map)
        self._learn = tuple(n for n in self._names if n in learn)
        for name in self._names:
            if name in learn:
                self.register_parameter(name, nn.Parameter(torch.full((num_parameters,), float(values[name]))))
            else:
                setattr(self, name, float(values[name]))
        self._kernel = None

    def __reduce_ex__(self, protocol: int) -> tuple:
        # the class is generated from the spec at run time, so pickle (torch.save of a whole model, process pools,
        # Ray) cannot find it by name: rebuild it from the registered spec name instead, then restore the state
        return _rebuild_activation, (self.spec.name,), self.__getstate__()

    def _kwargs(self, x: torch.Tensor) -> dict[str, Any]:
        return {n: (channel_view(getattr(self, n), x, self.channel_dim) if n in self._learn else getattr(self, n))
                for n in self._names}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kw = self._kwargs(x)
        spec = self.spec
        if spec.uses_training:
            kw["training"] = self.training
        if spec.kind == "gated":
            kw["dim"] = self.dim
        if self.inplace:
            return spec.inplace_fn(x, **kw)
        if self.backend == "compiled":
            if self._kernel is None:
                self._kernel = compiled(spec)
            return self._kernel(x, **kw)
        return spec.fn(x, **kw)

    def extra_repr(self) -> str:
        bits = []
        for n in self._names:
            v = getattr(self, n)
            bits.append(f"{n}=learnable{tuple(v.shape)}" if n in self._learn else f"{n}={v:g}")
        if self._learn and self.channel_dim != 1 and any(getattr(self, n).numel() > 1 for n in self._learn):
            bits.append(f"channel_dim={self.channel_dim}")
        if self.spec.kind == "gated":
            bits.append(f"dim={self.dim}")
        if self.inplace:
            bits.append("inplace=True")
        if self.backend != "eager":
            bits.append(f"backend={self.backend!r}")
        return ", ".join(bits)


def class_name(name: str) -> str:
    special = {"relu": "ReLU", "gelu": "GELU", "glu": "GLU", "selu": "SELU", "elu": "ELU", "silu": "SiLU",
               "prelu": "PReLU", "celu": "CELU", "siaf": "SIAF", "kan": "KAN"}
    parts = name.split("_")
    out = []
    for p in parts:
        for key, val in special.items():
            if p.endswith(key) and len(p) > len(key):
                p = p[: -len(key)].capitalize() + val
                break
            if p == key:
                p = val
                break
        else:
            p = p.capitalize()
        out.append(p)
    return "".join(out)


_CLASSES: dict[str, type[Activation]] = {}
# the Shape line of a generated class' docstring, by spec kind ("layer" specs bring their own module class)
SHAPES = {"elementwise": "(*) -> (*)", "gated": "(*, 2n, *) -> (*, n, *) along ``dim``",
          "rowwise": "(*, n) -> (*, n), each output depending on the whole last dimension"}


def _rebuild_activation(name: str) -> Activation:
    """An empty instance of the module class of registered activation ``name`` (pickle's constructor)."""
    cls = module_class(get(name))
    return cls.__new__(cls)


def module_class(spec: ActivationSpec) -> type[nn.Module]:
    """The generated module class for ``spec`` (or its own ``module`` for layer-kind specs)."""
    if spec.module is not None:
        return spec.module
    cls = _CLASSES.get(spec.name)
    if cls is None or cls.spec is not spec:  # a spec registered again under its name (replace=True) gets a new class
        doc = f"{spec.formula}\n\nShape: {SHAPES.get(spec.kind, SHAPES['elementwise'])}"
        cls = type(class_name(spec.name), (Activation,), {"spec": spec, "__doc__": doc,
                                                          "__module__": "actlab.zoo"})
        _CLASSES[spec.name] = cls
    return cls
