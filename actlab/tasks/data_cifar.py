"""CIFAR-10 from a user's folder, read with a restricted unpickler (pickles are code; nothing else is trusted).

Layout (the official "python version"): ``DIR/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``
or those files directly in ``DIR``. Each batch is a pickled dict with ``data`` (N, 3072) uint8 (channel-major
rows: 1024 red, 1024 green, 1024 blue) and ``labels`` (N ints in 0..9); keys may be ``str`` or ``bytes``
(Python 2 pickles of the official release, Python 3 re-packs). Any number of images per file is used: subsets
are common, so checksums are not compared; the structure is validated instead (keys, shapes, dtype, labels).

`SafeUnpickler` resolves only the globals a numpy array needs (``numpy.core.multiarray._reconstruct`` /
``numpy._core.multiarray._reconstruct``, ``numpy.ndarray``, ``numpy.dtype``, ``scalar``, codecs.encode for
Python 2 byte strings); any other global (``os.system``, ``builtins.eval``, ...) is refused with a `DataError`
before it can be called. Nothing is downloaded.
"""
from __future__ import annotations

import io
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from actlab.core.errors import ConfigError
from actlab.tasks.base import Dataset

SUBDIR = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
ENV = "ACTLAB_DATA"
LAYOUT = (f"DIR/{SUBDIR}/{{data_batch_1..data_batch_5, test_batch}} (the official CIFAR-10 'python version'), "
          "or those files directly in DIR")
MEAN = (0.4914, 0.4822, 0.4465)  # per-channel statistics of the official training set
STD = (0.2470, 0.2435, 0.2616)

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"), ("codecs", "encode"),
}


class DataError(ConfigError):
    """A data folder or file that is missing, malformed or unsafe."""


class SafeUnpickler(pickle.Unpickler):
    """Unpickles only numpy arrays, dtypes, lists, dicts, strings, bytes and numbers."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused global {module}.{name} (only numpy array reconstruction is allowed)")


def safe_load(path: Path) -> Any:
    """Unpickle ``path`` with `SafeUnpickler` (latin1 for Python 2 strings); unsafe or broken → `DataError`."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {str(path)!r}: {e.strerror or e}") from None
    try:
        return SafeUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except pickle.UnpicklingError as e:
        raise DataError(f"{str(path)!r} is not a safe CIFAR batch pickle: {e}; nothing in it was executed") from None
    except Exception as e:  # noqa: BLE001 - a truncated or foreign file
        raise DataError(f"{str(path)!r} is not a readable CIFAR batch pickle ({type(e).__name__}: {e})") from None


def _field(d: dict, name: str) -> Any:
    for k in (name, name.encode()):
        if k in d:
            return d[k]
    return None


def parse_batch(obj: Any, path: Path, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Validate one unpickled batch; return (uint8 (N, 3, 32, 32), int64 (N,))."""
    where = str(path)
    if not isinstance(obj, dict):
        raise DataError(f"{where!r}: expected a dict with 'data' and 'labels', got {type(obj).__name__}")
    data, labels = _field(obj, "data"), _field(obj, "labels")
    if labels is None:
        labels = _field(obj, "fine_labels")
    if data is None or labels is None:
        keys = sorted(k.decode("latin1") if isinstance(k, bytes) else str(k) for k in obj)
        raise DataError(f"{where!r}: a CIFAR batch needs keys 'data' and 'labels', found {keys}")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        desc = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{where!r}: 'data' must be a uint8 array of shape (N, 3072), got {desc}")
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != len(data) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{where!r}: 'labels' must be {len(data)} integers (one per image), got {y.dtype} {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"{where!r}: labels must lie in 0..{n_classes - 1}, got {int(y.min())}..{int(y.max())}")
    return data.reshape(-1, 3, 32, 32), y.astype(np.int64)


def resolve_dir(data_dir: str | os.PathLike | None) -> Path:
    """The folder holding the batch files: ``data_dir`` (or $ACTLAB_DATA), or its cifar-10-batches-py/."""
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get(ENV) or None
    if data_dir is None:
        raise DataError(f"the cifar10 tasks read CIFAR-10 from disk: pass --data-dir DIR (or set {ENV}); "
                        f"expected layout: {LAYOUT}. Nothing is downloaded.")
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise DataError(f"data folder {str(root)!r} does not exist or is not a folder; expected layout: {LAYOUT}")
    sub = root / SUBDIR
    return sub if sub.is_dir() else root


@lru_cache(maxsize=4)
def cifar10_arrays(data_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) as uint8 NCHW and int64, from every train batch present plus test."""
    d = resolve_dir(data_dir)
    train = [d / f for f in TRAIN_FILES if (d / f).is_file()]
    missing = [] if train else ["data_batch_1..5"]
    if not (d / TEST_FILE).is_file():
        missing.append(TEST_FILE)
    if missing:
        raise DataError(f"{str(d)!r} lacks {', '.join(missing)}; expected layout: {LAYOUT}")
    parts = [parse_batch(safe_load(p), p) for p in train]
    xt, yt = parse_batch(safe_load(d / TEST_FILE), d / TEST_FILE)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), xt, yt


def load_cifar10_data(data_dir: str | None = None, n_train: int | None = None, val_frac: float = 0.1) -> Dataset:
    """CIFAR-10 from ``data_dir``: the train batches split (stratified, fixed seed) into train/val, test_batch as
    test; per-channel standardised with the official training-set statistics.

    X: (N, 3, 32, 32) float32, y: (N,) int64 in 0..9.
    """
    from actlab.tasks.data_images import _limit, stratified_split

    root = resolve_dir(data_dir)
    xtr, ytr, xte, yte = cifar10_arrays(str(root))
    if len(xtr) < 20:
        raise DataError(f"{str(root)!r}: the train batches hold {len(xtr)} images; at least 20 are needed")
    tr_idx, va_idx = stratified_split(ytr, (1.0 - val_frac, val_frac))
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)

    def pair(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.from_numpy(x.astype(np.float32) / 255.0) - mean) / std, torch.from_numpy(y)

    tr = pair(xtr[tr_idx], ytr[tr_idx])
    return Dataset(_limit(tr, n_train, "cifar10"), pair(xtr[va_idx], ytr[va_idx]), pair(xte, yte),
                   {"in_features": 3072, "n_classes": 10, "input_shape": (3, 32, 32),
                    "source": f"CIFAR-10 batches in {root}"})
