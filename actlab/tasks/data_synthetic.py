"""Generated data: XOR, two spirals, and function fitting (KAN toy, Feynman formulas).

Every generator is deterministic (its own ``numpy`` generator, data seed fixed per task) so all runs of a
task see the same points.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from actlab.tasks.base import Dataset

DATA_SEED = 1234


def _t(a: np.ndarray, long: bool = False) -> torch.Tensor:
    return torch.tensor(a, dtype=torch.long if long else torch.float32)


def _classification(x: np.ndarray, y: np.ndarray, n_train: int, n_val: int, desc: str) -> Dataset:
    tr, va, te = slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, None)
    return Dataset((_t(x[tr]), _t(y[tr], True)), (_t(x[va]), _t(y[va], True)), (_t(x[te]), _t(y[te], True)),
                   {"in_features": 2, "n_classes": 2, "source": desc})


@lru_cache(maxsize=4)
def load_xor(n_train: int = 1000, n_val: int = 500, n_test: int = 1000) -> Dataset:
    """Points uniform in [-1, 1]², label 1 where x1·x2 > 0 (the four-quadrant XOR). X: (N, 2), y: (N,)."""
    rng = np.random.default_rng(DATA_SEED)
    x = rng.uniform(-1, 1, size=(n_train + n_val + n_test, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return _classification(x, y, n_train, n_val, "xor: sign(x1·x2), uniform [-1,1]²")


@lru_cache(maxsize=4)
def load_spirals(n_train: int = 1000, n_val: int = 500, n_test: int = 1000, turns: float = 1.5,
                 noise: float = 0.05) -> Dataset:
    """Two interleaved Archimedean spirals (class 1 is class 0 rotated by π), radius in (0, 1], Gaussian noise.

    X: (N, 2), y: (N,) with classes alternating so every split is balanced.
    """
    n = n_train + n_val + n_test
    rng = np.random.default_rng(DATA_SEED)
    r = np.sqrt(rng.uniform(0.02, 1.0, size=n))  # sqrt: uniform density along the arm
    theta = r * turns * 2 * math.pi
    y = np.arange(n) % 2
    sign = np.where(y == 0, 1.0, -1.0)
    x = np.stack([sign * r * np.cos(theta), sign * r * np.sin(theta)], 1) + rng.normal(0, noise, size=(n, 2))
    return _classification(x, y.astype(np.int64), n_train, n_val, f"two spirals, {turns} turns, noise {noise}")


@dataclass(frozen=True)
class Formula:
    """A target function of named inputs, each sampled uniformly from its range (Feynman dataset style)."""

    name: str
    text: str
    fn: Callable[..., np.ndarray]
    ranges: tuple[tuple[str, float, float], ...]
    source: str


FORMULAS = {f.name: f for f in (
    Formula("kan_toy", "exp(sin(π x) + y²)", lambda x, y: np.exp(np.sin(np.pi * x) + y ** 2),
            (("x", -1, 1), ("y", -1, 1)), "Liu et al. 2024, KAN, arXiv:2404.19756 (README example)"),
    Formula("gauss", "exp(-θ²/2) / √(2π)  (Feynman I.6.2a)",
            lambda theta: np.exp(-theta ** 2 / 2) / np.sqrt(2 * np.pi), (("theta", 1, 3),),
            "Udrescu & Tegmark 2020, AI Feynman, arXiv:1905.11481"),
    Formula("lorentz", "q (E + B v sin θ)  (Feynman I.12.11)",
            lambda q, e, b, v, theta: q * (e + b * v * np.sin(theta)),
            (("q", 1, 5), ("e", 1, 5), ("b", 1, 5), ("v", 1, 5), ("theta", 1, 5)),
            "Udrescu & Tegmark 2020, AI Feynman, arXiv:1905.11481"),
    Formula("lorentz_boost", "(x - u t) / √(1 - u²/c²)  (Feynman I.15.3x)",
            lambda x, u, c, t: (x - u * t) / np.sqrt(1 - u ** 2 / c ** 2),
            (("x", 5, 10), ("u", 1, 2), ("c", 3, 20), ("t", 1, 2)),
            "Udrescu & Tegmark 2020, AI Feynman, arXiv:1905.11481"),
)}


@lru_cache(maxsize=16)
def load_formula(formula: str, n_train: int = 1000, n_val: int = 500, n_test: int = 1000,
                 standardize: bool = True) -> Dataset:
    """Samples of a `Formula`: inputs drawn uniformly from their ranges and mapped affinely to [-1, 1].

    With ``standardize`` the target is shifted/scaled by the training mean and std, so the task's RMSE is
    in units of the target's std (a normalised RMSE, comparable across formulas); ``info["y_mean"]`` and
    ``info["y_std"]`` undo it. X: (N, d) float32, y: (N,) float32.
    """
    f = FORMULAS[formula]
    n = n_train + n_val + n_test
    rng = np.random.default_rng(DATA_SEED)
    cols = [rng.uniform(lo, hi, size=n) for _, lo, hi in f.ranges]
    y = f.fn(*cols)
    x = np.stack([2 * (c - lo) / (hi - lo) - 1 for c, (_, lo, hi) in zip(cols, f.ranges)], 1)
    mean, std = (float(y[:n_train].mean()), float(y[:n_train].std())) if standardize else (0.0, 1.0)
    y = (y - mean) / std
    tr, va, te = slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, None)
    return Dataset((_t(x[tr]), _t(y[tr])), (_t(x[va]), _t(y[va])), (_t(x[te]), _t(y[te])),
                   {"in_features": len(f.ranges), "out_features": 1, "y_mean": mean, "y_std": std,
                    "formula": f.text, "inputs": [r[0] for r in f.ranges], "source": f.source})
