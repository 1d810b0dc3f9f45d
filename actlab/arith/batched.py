"""S seeds as one model: the two-layer benchmark networks with a leading seed dimension, and per-seed data streams.

Each seed s initialises its slice of every parameter from ``torch.Generator().manual_seed(s)`` and draws its
mini-batches from its own NumPy PCG64 stream seeded by ``(s, DATA_STREAM)``, so a batched run of seeds
``[s1, ..., sS]`` equals S separate runs (up to float round-off of batched matmuls).

Models (research notes §2 "Network for the benchmark"; hidden size 2 by default):

========== ================================ ==================================
name        layers                           sparsity regulariser (λ̂, start, end)
========== ================================ ==================================
nau         NAU → NAU                        0.01, 5·10³, 5·10⁴
nmu         NAU → NMU                        10, 10⁶, 2·10⁶
nac         NAC+ → NAC+                      —
nac_mul     NAC+ → NAC•                      —
nalu        NALU → NALU (shared weights)     —
nalu_sep    NALU → NALU (separate weights)   —
linear      Linear → Linear (biases)         —
<zoo name>  Linear → activation → Linear     —
========== ================================ ==================================
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

import actlab
from actlab.arith.task import ArithTask
from actlab.arith.units import NAC, NALU, NAU, NMU, ArithUnit, Linear, NACMul
from actlab.core.errors import ParameterError, UnknownNameError

DATA_STREAM = 0x5EED  # second SeedSequence word: the data stream is independent of the init stream


@dataclass(frozen=True)
class Regularizer:
    """Linear warm-up ``λ(t) = λ̂ · clip((t - start) / (end - start), 0, 1)`` (Madsen & Johansen 2020)."""

    lam: float
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.lam < 0 or self.start < 0 or self.end <= self.start:
            raise ParameterError(f"regularizer needs lam >= 0 and 0 <= start < end, got "
                                 f"lam={self.lam}, start={self.start}, end={self.end}")

    def __call__(self, t: float) -> float:
        return self.lam * max(min((t - self.start) / (self.end - self.start), 1.0), 0.0)

    def scaled(self, factor: float) -> Regularizer:
        """The same ramp with start and end multiplied by ``factor`` (for shortened runs; not the paper's)."""
        return Regularizer(self.lam, self.start * factor, self.end * factor)


# name -> (layer-1 unit, layer-2 unit, regulariser); None as layer 1 marks the MLP baselines
ARITH_MODELS: dict[str, tuple[str, str, Regularizer | None]] = {
    "nau": ("nau", "nau", Regularizer(0.01, 5e3, 5e4)),
    "nmu": ("nau", "nmu", Regularizer(10.0, 1e6, 2e6)),
    "nac": ("nac", "nac", None),
    "nac_mul": ("nac", "nac_mul", None),
    "nalu": ("nalu", "nalu", None),
    "nalu_sep": ("nalu_sep", "nalu_sep", None),
    "linear": ("linear", "linear", None),
}
_UNIT_ALIASES = {"nac+": "nac", "nac_add": "nac", "nac*": "nac_mul", "nac•": "nac_mul", "nacmul": "nac_mul"}


def unit_names() -> list[str]:
    """Valid model names: the arithmetic units, then every zoo activation (an MLP baseline row)."""
    return list(ARITH_MODELS) + [n for n in actlab.names() if n not in ARITH_MODELS]


def unit_name(unit: str) -> str:
    """Canonical model name; unknown names raise `UnknownNameError` listing the valid ones."""
    if not isinstance(unit, str):
        raise ParameterError(f"unit must be a string, got {type(unit).__name__}")
    k = unit.strip().lower().replace("-", "_")
    k = _UNIT_ALIASES.get(k, k)
    if k in ARITH_MODELS:
        return k
    try:
        return actlab.get(k).name
    except UnknownNameError:
        raise UnknownNameError("unit", unit, unit_names()) from None


def default_regularizer(unit: str) -> Regularizer | None:
    return ARITH_MODELS.get(unit_name(unit), (None, None, None))[2]


def _layer(kind: str, fi: int, fo: int, seeds: int, gens, init: str = "glorot") -> ArithUnit:
    if kind == "nau":
        return NAU(fi, fo, seeds, gens)
    if kind == "nmu":
        return NMU(fi, fo, seeds, gens)
    if kind == "nac":
        return NAC(fi, fo, seeds, gens)
    if kind == "nac_mul":
        return NACMul(fi, fo, seeds, gens)
    if kind in ("nalu", "nalu_sep"):
        return NALU(fi, fo, seeds, gens, shared=kind == "nalu")
    return Linear(fi, fo, seeds, gens, init=init)


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
            k1, k2, _ = ARITH_MODELS[self.unit]
            self.layer1 = _layer(k1, input_size, hidden, S, gens)
            self.act: nn.Module | None = None
            self.layer2 = _layer(k2, hidden, 1, S, gens)
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
