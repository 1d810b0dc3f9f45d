"""The basis interface every KAN basis implements, and the basis registry.

A basis maps an input batch ``x`` of shape (B, in) to a feature tensor of shape (B, in, K): K scalar
functions of each input coordinate. A `KANLayer` then combines all in·K features with ONE matmul, so
every edge function is φ_{j,i}(x_i) = Σ_m C[j, i, m]·b_m(x_i) (+ an optional residual base branch).
This is the efficient-kan observation (kan_learnable.md §1.1, §7): nothing of shape (B, out, in) is
built unless per-edge activations are recorded on purpose.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from actlab.core.errors import ParameterError, UnknownNameError, check_int  # noqa: F401  (re-exported)
from actlab.core.named_registry import Registry

BASES: Registry[type[Basis]] = Registry("KAN basis", helpers=(__name__,))
"""Every KAN basis by name; the basis modules register themselves and `actlab.kan` imports them."""


class Basis(nn.Module):
    """Features of each input coordinate.

    Subclasses set ``num_features`` (K) and implement ``basis_major(u) -> (B, K, in)`` (preferred: the layer's
    design matrix is then a plain reshape) or ``features(u) -> (B, in, K)``; ``prepare(x)``
    may transform the whole input first (e.g. FastKAN's LayerNorm), and then the edge functions are
    functions of the prepared input ``u``, which is what plots show.

    Class attributes: ``default_base`` names the residual branch a layer adds by default ("silu" for
    pykan-style bases, "none" for bases whose papers have none); ``uses_scale_sp`` asks the layer for
    pykan's per-edge spline scale; ``init_std`` is the std of the coefficient init (per input feature,
    divided by √(in·K) in the layer unless the basis overrides ``init_coef``).
    """

    name: str = "?"
    default_base: str = "none"
    uses_scale_sp: bool = False
    default_bias: bool = False

    def __init__(self, in_features: int):
        super().__init__()
        self.in_features = in_features
        self.num_features = 0

    def prepare(self, x: Tensor) -> Tensor:
        return x

    def features(self, u: Tensor) -> Tensor:
        """(B, in, K) feature values; by default a view of `basis_major`."""
        if type(self).basis_major is Basis.basis_major:  # pragma: no cover - a subclass must define one of them
            raise NotImplementedError(f"{type(self).__name__} defines neither features nor basis_major")
        return self.basis_major(u).transpose(1, 2)

    def basis_major(self, u: Tensor) -> Tensor:
        """(B, K, in) feature values, feature-major: each (B, in) slab is contiguous, which keeps elementwise
        work on long contiguous runs (CPU kernels are slow along a short last axis)."""
        raise NotImplementedError

    def design(self, u: Tensor) -> tuple[Tensor, bool]:
        """(design matrix (B, in·K), basis_major) for the layer's one matmul: basis-major columns m·in + i when
        the basis builds that layout (then True), else input-major columns i·K + m (``features`` flattened)."""
        if type(self).basis_major is not Basis.basis_major:
            return self.basis_major(u).reshape(u.shape[0], -1), True
        return self.features(u).reshape(u.shape[0], -1), False

    def major(self, u: Tensor) -> Tensor:
        """(B, K, in) feature values from whichever layout the basis builds (for composite bases)."""
        design, basis_major = self.design(u)
        if basis_major:
            return design.view(u.shape[0], -1, u.shape[1])
        return design.view(u.shape[0], u.shape[1], -1).transpose(1, 2)

    def forward(self, x: Tensor) -> Tensor:
        return self.features(self.prepare(x))

    def init_coef(self, coef: Tensor) -> None:
        """Fill the (out, in, K) coefficient tensor; default N(0, 1/(in·K))."""
        with torch.no_grad():
            coef.normal_(0.0, 1.0 / (self.in_features * max(self.num_features, 1)) ** 0.5)

    def select_inputs(self, idx: Tensor) -> None:
        """Keep only inputs ``idx`` (used when pruning removes nodes); bases with per-input state override."""
        if getattr(self, "per_input_free", False):
            self.in_features = len(idx)
            return
        raise ParameterError(f"basis {self.name!r} couples its inputs; its input nodes cannot be removed")

    def input_range(self) -> tuple[Tensor, Tensor]:
        """Per-input (lo, hi) where the basis is "interesting", used for plots and symbolic fits."""
        lo = torch.full((self.in_features,), -1.0)
        return lo, -lo


def needs_graph(u: Tensor) -> bool:
    """Whether features of ``u`` must be recorded for autograd; when not, bases may fill one preallocated
    tensor in place (the first layer of a network, inference)."""
    return torch.is_grad_enabled() and u.requires_grad


def basis_params(cls: type[Basis]) -> dict[str, Any]:
    """The constructor parameters of a basis class (after ``in_features``) with their defaults."""
    sig = inspect.signature(cls.__init__)
    return {n: p.default for n, p in list(sig.parameters.items())[2:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def register_basis(name: str, aliases: tuple[str, ...] = (), small: dict[str, Any] | None = None,
                   replace: bool = False) -> Callable[[type[Basis]], type[Basis]]:
    """Class decorator: make a basis available as ``KANLayer(..., basis=name)``.

    The entry's capabilities are read off the class: ``params`` (constructor parameters with their defaults),
    ``grid`` (it takes a ``grid`` size), ``adaptive`` (its knots follow the data: ``update_grid``/``refine``);
    ``small`` are the parameters of a quick, small instance (tests and demos).
    """

    def deco(cls: type[Basis]) -> type[Basis]:
        params = basis_params(cls)
        cls.name = name
        return BASES.add(name, cls, aliases=aliases, replace=replace, params=params, grid="grid" in params,
                         adaptive=hasattr(cls, "set_grid"), small=dict(small or {}))

    return deco


def basis_names(**capabilities: Any) -> list[str]:
    """Registered basis names, sorted; optionally only those with the given capabilities (``grid=True``)."""
    return BASES.names(**capabilities)


def get_basis(name: str) -> type[Basis]:
    """The basis class for ``name``; unknown names raise `UnknownNameError` listing the valid ones."""
    if not isinstance(name, str):
        raise ParameterError(f"basis must be a name (one of {BASES.names()}), got {type(name).__name__}")
    return BASES.get(name)


def make_basis(name: str | Basis, in_features: int, **params: Any) -> Basis:
    """Build a basis instance; unknown keyword arguments raise `ParameterError` naming the valid ones."""
    if isinstance(name, Basis):
        if params:
            raise ParameterError(f"basis params {sorted(params)} given together with a built basis instance")
        return name
    cls = get_basis(name)
    try:
        return cls(in_features, **params)
    except TypeError:
        valid = list(basis_params(cls))
        bad = [k for k in params if k not in valid]
        if bad:
            raise ParameterError(f"basis {cls.name!r}: unknown parameter(s) {bad}; valid: {valid}") from None
        raise


def uniform_centres(lo: float, hi: float, n: int, in_features: int) -> Tensor:
    """(in, n) evenly spaced centres, one row per input (rows are independent so grids can adapt)."""
    return torch.linspace(lo, hi, n).expand(in_features, n).clone()
