"""What every search space provides, and the registry of spaces by name.

A *genome* is plain JSON-able data (lists, strings, numbers) so it can be stored in SQLite, shipped to Ray workers
and compared for equality. A space turns a genome into: a canonical text form (for humans and for the store), a
functional fingerprint (the dedup key), an activation module factory, and new genomes (random, mutated,
enumerated). All randomness comes from the ``random.Random`` the caller passes, so proposals are reproducible.
"""
from __future__ import annotations

import hashlib
import json
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from actlab.core.named_registry import Registry

Genome = Any


def genome_key(genome: Genome) -> str:
    """A stable text key for a genome (JSON with sorted keys)."""
    return json.dumps(genome, sort_keys=True, separators=(",", ":"))


# the probe inputs for fingerprints: a grid plus fixed N(0,1) samples, in float64
PROBE = torch.cat([torch.linspace(-6, 6, 49, dtype=torch.float64),
                   torch.randn(32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)])


def fingerprint_outputs(outs: list[torch.Tensor], digits: int = 5) -> str:
    """Hash of outputs rounded to ``digits`` significant digits (AQuaSurF-style functional dedup).

    Non-finite values hash as their own tokens, so two functions that blow up at the same places still match.
    """
    h = hashlib.sha1()
    for o in outs:
        flat = o.detach().double().flatten().tolist()
        h.update(",".join(f"{v:.{digits}g}" if v == v else "nan" for v in flat).encode())
        h.update(b"|")
    return h.hexdigest()[:16]


class Space(ABC):
    """A search space of activations (elementwise functions or norm-activation layers)."""

    name: str = "space"

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """The configuration that defines the space (stored with a search; a DB from other settings is refused)."""

    @abstractmethod
    def random(self, rng: random.Random) -> Genome:
        """A random genome."""

    @abstractmethod
    def mutate(self, genome: Genome, rng: random.Random) -> Genome:
        """A child genome one tree/graph edit away from ``genome``."""

    def enumerate(self) -> Iterator[Genome]:
        """Every genome, in a fixed order (only for small spaces)."""
        raise NotImplementedError(f"space {self.name!r} is too large to enumerate")

    @abstractmethod
    def canonical(self, genome: Genome) -> str:
        """A normalised human-readable form (sympy string for expression spaces)."""

    @abstractmethod
    def fingerprint(self, genome: Genome) -> str:
        """Functional-equivalence key: equal keys mean the candidates compute the same function."""

    @abstractmethod
    def build(self, genome: Genome) -> nn.Module:
        """A fresh activation module for the genome (trainable scalars start at their init values)."""

    def op_cost(self, genome: Genome) -> float:
        """A deterministic cost proxy (weighted op count); `evaluate` can also time the forward/backward."""
        return 1.0

    def check(self, genome: Genome) -> Genome:
        """Validate a genome from outside (a DB row, a user); return it normalised or raise a clear error."""
        return genome


SPACES: Registry[type[Space]] = Registry("search space", helpers=(__name__,))
"""Every search space class by name; the space modules register themselves and `actlab.search` imports them."""


def register_space(cls: type[Space] | None = None, *, aliases: tuple[str, ...] = (), replace: bool = False):
    """Class decorator (``@register_space`` or ``@register_space(aliases=..., replace=...)``): make a space
    available as ``get_space(cls.name)``. Its entry records whether the space can be enumerated."""

    def deco(c: type[Space]) -> type[Space]:
        return SPACES.add(c.name, c, aliases=aliases, replace=replace,
                          enumerable=c.enumerate is not Space.enumerate)

    return deco(cls) if cls is not None else deco


def space_names() -> list[str]:
    return SPACES.names()


def get_space(name: str, **settings: Any) -> Space:
    """Build a space by name (``swish``, ``graph``, ``correction``) with its settings."""
    return SPACES.get(name)(**settings)
