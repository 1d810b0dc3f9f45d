"""S seeds as one model: the two-layer benchmark networks with a leading seed dimension, and per-seed data streams.

Each seed s initialises its slice of every parameter from ``torch.Generator().manual_seed(s)`` and draws its
mini-batches from its own NumPy PCG64 stream seeded by ``(s, DATA_STREAM)``, so a batched run of seeds
``[s1, ..., sS]`` equals S separate runs (up to float round-off of batched matmuls).

Models: the registered arithmetic models (`actlab.arith.models.ARITH_MODELS`: nau, nmu, nac, nac_mul, nalu,
nalu_sep, linear; hidden size 2 by default), or any zoo activation as an MLP baseline
(Linear → activation → Linear).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

import actlab
from actlab.arith.models import ARITH_MODELS, Regularizer  # noqa: F401  (Regularizer re-exported)
from actlab.arith.task import ArithTask
from actlab.arith.units import ArithUnit, Linear
from actlab.core.errors import ParameterError, UnknownNameError

DATA_STREAM = 0x5EED  # second SeedSequence word: the data stream is independent of the init stream


def unit_names() -> list[str]:
    """Valid model names: the arithmetic units, then every zoo activation (an MLP baseline row)."""
    return list(ARITH_MODELS) + [n for n in actlab.names() if n not in ARITH_MODELS]


def unit_name(unit: str) -> str:
    """Canonical model name; unknown names raise `UnknownNameError` listing the valid ones."""
    if not isinstance(unit, str):
        raise ParameterError(f"unit must be a string, got {type(unit).__name__}")
    if unit in ARITH_MODELS:
        return ARITH_MODELS.entry(unit).name
    try:  # any zoo activation: an MLP baseline
        return actlab.get(unit).name
    except UnknownNameError:
        raise UnknownNameError("unit", unit, unit_names()) from None


def default_regularizer(unit: str) -> Regularizer | None:
    name = unit_name(unit)
    return ARITH_MODELS.get(name).regularizer if name in ARITH_MODELS else None


def _make_activation(name: str, width: int) -> nn.Module:
    """The zoo activation ``name`` for ``width`` features; layer-kind activations that need a feature count get it."""
    try:
        return actlab.create(name)
    except TypeError:
        pass
    try:
        return actlab.create(name, num_features=width)
    except (TypeError, ValueError) as e:
        raise ParameterError(f"activation {name!r} cannot be the MLP baseline's activation "
                             f"(hidden width {width}): {e}") from None


class _PerSeedActivation(nn.Module):
    """An activation with parameters gets one copy per seed (sharing it would couple the seeds)."""

    def __init__(self, name: str, seeds: int, width: int):
        super().__init__()
        self.acts = nn.ModuleList(_make_activation(name, width) for _ in range(seeds))

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # (S, B, H)
        return torch.stack([a(h[i]) for i, a in enumerate(self.acts)])


class ArithNet(nn.Module):
    """Two layers (input → hidden → 1) for S seeds at once; output ``(S, B)``.

    Args:
        unit: a model name (see module docstring) or any zoo activation (MLP baseline).
        seeds: the experiment seeds; seed ``seeds[i]`` initialises slice i of every parameter.
        input_size, hidden: layer sizes (paper: 100 and 2).
    """

    def __init__(self, unit: str, seeds: Sequence[int], input_size: int = 100, hidden: int = 2):
        super().__init__()
        self.unit = unit_name(unit)
        self.seed_list = [int(s) for s in seeds]
        if not self.seed_list:
            raise ParameterError("seeds must not be empty")
        if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 1:
            raise ParameterError(f"hidden must be an integer >= 1, got {hidden!r}")
        S = len(self.seed_list)
        gens = [torch.Generator().manual_seed(s) for s in self.seed_list]
        if self.unit in ARITH_MODELS:
            model = ARITH_MODELS.get(self.unit)
            self.layer1 = model.layer1(input_size, hidden, S, gens)
            self.act: nn.Module | None = None
            self.layer2 = model.layer2(hidden, 1, S, gens)
        else:  # MLP baseline; ReLU-like layers use Kaiming-uniform as in the reference
            # gated activations (GLU family) halve the last dimension: give them 2·hidden pre-activations
            width = 2 * hidden if actlab.get(self.unit).kind == "gated" else hidden
            self.layer1 = Linear(input_size, width, S, gens, init="kaiming")
            act = _make_activation(self.unit, width)
            self.act = _PerSeedActivation(self.unit, S, width) if any(True for _ in act.parameters()) else act
            try:  # fail now, with the activation's name, rather than mid-training
                with torch.no_grad():
                    self.act(torch.ones(S, 2, width))
            except (RuntimeError, ValueError, TypeError) as e:
                raise ParameterError(f"activation {self.unit!r} cannot be the MLP baseline's activation "
                                     f"(hidden width {width}): {e}") from None
            self.layer2 = Linear(hidden, 1, S, gens, init="glorot")

    @property
    def n_seeds(self) -> int:
        return len(self.seed_list)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (S, B, n)`` per-seed batches or ``(B, n)`` shared -> ``(S, B)``."""
        h = self.layer1(x)
        if self.act is not None:
            h = self.act(h)
        return self.layer2(h).squeeze(-1)

    def layers(self) -> tuple[ArithUnit, ArithUnit]:
        return self.layer1, self.layer2

    def regularizer(self) -> torch.Tensor:
        """Per-seed ``Σ_layers R_sparse``, shape ``(S,)`` (the reference sums over both layers)."""
        return self.layer1.regularizer() + self.layer2.regularizer()

    @torch.no_grad()
    def sparsity_error(self) -> torch.Tensor:
        """Per-seed ``max_{layers,i,j} min(|W_ij|, |1 - |W_ij||)``, shape ``(S,)``."""
        return torch.maximum(self.layer1.sparsity_error(), self.layer2.sparsity_error())

    def clamp_(self) -> None:
        self.layer1.clamp_()
        self.layer2.clamp_()

    def seed_parameters(self):
        """``(param, seed_index)`` pairs; seed_index None means the leading dimension is the seed."""
        for l in self.layers():
            for p in l.parameters():
                yield p, None
        if isinstance(self.act, _PerSeedActivation):
            for i, a in enumerate(self.act.acts):
                for p in a.parameters():
                    yield p, i


class DataStream:
    """Per-seed training batches from the interpolation range, drawn ``chunk`` iterations at a time.

    ``next()`` returns ``x (S, B, n)`` and targets ``y (S, B)``. The state (for checkpoints) is each seed's
    PCG64 state plus the position inside the current chunk.
    """

    def __init__(self, task: ArithTask, seeds: Sequence[int], batch_size: int = 128, chunk: int = 10):
        self.task, self.seeds, self.batch_size, self.chunk = task, list(seeds), int(batch_size), int(chunk)
        self.rngs = [np.random.Generator(np.random.PCG64(np.random.SeedSequence([int(s) % 2**63, DATA_STREAM])))
                     for s in self.seeds]
        self.masks = task.masks(self.seeds)
        self._x: torch.Tensor | None = None
        self._y: torch.Tensor | None = None
        self._pos = self.chunk

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self._pos >= self.chunk:
            buf = np.empty((len(self.seeds), self.chunk, self.batch_size, self.task.input_size), dtype=np.float32)
            for i, rng in enumerate(self.rngs):
                self.task.fill(rng, buf[i], "interpolation")
            S, K, B, n = buf.shape
            self._x = torch.from_numpy(buf)
            self._y = self.task.targets(self._x.view(S, K * B, n), self.masks).view(S, K, B)
            self._pos = 0
        i = self._pos
        self._pos += 1
        return self._x[:, i], self._y[:, i]

    def state(self) -> dict:
        if self._pos not in (0, self.chunk):
            raise RuntimeError("data stream state is only saved at chunk boundaries")
        return {"rngs": [r.bit_generator.state for r in self.rngs]}

    def set_state(self, state: dict) -> None:
        for r, st in zip(self.rngs, state["rngs"], strict=True):
            r.bit_generator.state = st
        self._pos = self.chunk
