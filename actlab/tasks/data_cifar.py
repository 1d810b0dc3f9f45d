"""CIFAR-10 / CIFAR-100 from a user's folder, read with a restricted unpickler (pickles are code).

Layout (the official "python version"): ``DIR/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``
(CIFAR-100: ``DIR/cifar-100-python/{train, test, meta}``, fine labels) or those files directly in ``DIR``. Each batch is a pickled dict with ``data`` (N, 3072) uint8 (channel-major
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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from actlab.core.errors import ConfigError
from actlab.tasks.base import Dataset

ENV = "ACTLAB_DATA"


@dataclass(frozen=True)
class Layout:
    """Where a CIFAR release keeps its pickles and which label key it uses."""

    name: str
    subdir: str
    train_files: tuple[str, ...]
    test_file: str
    n_classes: int
    label_key: str
    mean: tuple[float, float, float]  # per-channel statistics of the official training set
    std: tuple[float, float, float]

    @property
    def text(self) -> str:
        train = (f"{self.train_files[0]}..{self.train_files[-1]}" if len(self.train_files) > 1
                 else self.train_files[0])
        return (f"DIR/{self.subdir}/{{{train}, {self.test_file}}} (the official {self.name} 'python version'), "
                "or those files directly in DIR")


CIFAR10 = Layout("CIFAR-10", "cifar-10-batches-py", tuple(f"data_batch_{i}" for i in range(1, 6)), "test_batch",
                 10, "labels", (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
CIFAR100 = Layout("CIFAR-100", "cifar-100-python", ("train",), "test", 100, "fine_labels",
                  (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762))
SUBDIR, TRAIN_FILES, TEST_FILE, LAYOUT = CIFAR10.subdir, CIFAR10.train_files, CIFAR10.test_file, CIFAR10.text

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


def parse_batch(obj: Any, path: Path, n_classes: int = 10, label_key: str = "labels"
                ) -> tuple[np.ndarray, np.ndarray]:
    """Validate one unpickled batch; return (uint8 (N, 3, 32, 32), int64 (N,))."""
    where = str(path)
    if not isinstance(obj, dict):
        raise DataError(f"{where!r}: expected a dict with 'data' and '{label_key}', got {type(obj).__name__}")
    data, labels = _field(obj, "data"), _field(obj, label_key)
    if data is None or labels is None:
        keys = sorted(k.decode("latin1") if isinstance(k, bytes) else str(k) for k in obj)
        raise DataError(f"{where!r}: a CIFAR batch needs keys 'data' and '{label_key}', found {keys}")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        desc = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{where!r}: 'data' must be a uint8 array of shape (N, 3072), got {desc}")
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != len(data) or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"{where!r}: 'labels' must be {len(data)} integers (one per image), got {y.dtype} {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise DataError(f"{where!r}: labels must lie in 0..{n_classes - 1}, got {int(y.min())}..{int(y.max())}")
    return data.reshape(-1, 3, 32, 32), y.astype(np.int64)


def resolve_dir(data_dir: str | os.PathLike | None, layout: Layout = CIFAR10) -> Path:
    """The folder holding the batch files: ``data_dir`` (or $ACTLAB_DATA), or its official subfolder."""
    if data_dir is None or str(data_dir) == "":
        data_dir = os.environ.get(ENV) or None
    if data_dir is None:
        raise DataError(f"the {layout.name.lower().replace('-', '')} tasks read {layout.name} from disk: pass "
                        f"--data-dir DIR (or set {ENV}); expected layout: {layout.text}. Nothing is downloaded.")
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise DataError(f"data folder {str(root)!r} does not exist or is not a folder; expected layout: "
                        f"{layout.text}")
    sub = root / layout.subdir
    return sub if sub.is_dir() else root


@lru_cache(maxsize=4)
def cifar_arrays(data_dir: str, layout: Layout = CIFAR10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) as uint8 NCHW and int64, from every train file present plus test."""
    d = resolve_dir(data_dir, layout)
    train = [d / f for f in layout.train_files if (d / f).is_file()]
    missing = [] if train else [layout.text.split("{")[1].split(",")[0]]
    if not (d / layout.test_file).is_file():
        missing.append(layout.test_file)
    if missing:
        raise DataError(f"{str(d)!r} lacks {', '.join(missing)}; expected layout: {layout.text}")
    parts = [parse_batch(safe_load(p), p, layout.n_classes, layout.label_key) for p in train]
    test = d / layout.test_file
    xt, yt = parse_batch(safe_load(test), test, layout.n_classes, layout.label_key)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), xt, yt


def cifar10_arrays(data_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return cifar_arrays(data_dir, CIFAR10)


def load_cifar10_data(data_dir: str | None = None, n_train: int | None = None, val_frac: float = 0.1) -> Dataset:
    """CIFAR-10 from ``data_dir``: the train batches split (stratified, fixed seed) into train/val, test_batch as
    test; per-channel standardised with the official training-set statistics.

    X: (N, 3, 32, 32) float32, y: (N,) int64 in 0..9.
    """
    return _load(CIFAR10, data_dir, n_train, val_frac)


def load_cifar100_data(data_dir: str | None = None, n_train: int | None = None, val_frac: float = 0.1) -> Dataset:
    """CIFAR-100 (fine labels) from ``data_dir``, split and standardised as `load_cifar10_data`.

    X: (N, 3, 32, 32) float32, y: (N,) int64 in 0..99.
    """
    return _load(CIFAR100, data_dir, n_train, val_frac)


def _load(layout: Layout, data_dir: str | None, n_train: int | None, val_frac: float) -> Dataset:
    from actlab.tasks.data_images import _limit, stratified_split

    root = resolve_dir(data_dir, layout)
    xtr, ytr, xte, yte = cifar_arrays(str(root), layout)
    if len(xtr) < 20:
        raise DataError(f"{str(root)!r}: the train batches hold {len(xtr)} images; at least 20 are needed")
    tr_idx, va_idx = stratified_split(ytr, (1.0 - val_frac, val_frac))
    mean = torch.tensor(layout.mean).view(1, 3, 1, 1)
    std = torch.tensor(layout.std).view(1, 3, 1, 1)

    def pair(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.from_numpy(x.astype(np.float32) / 255.0) - mean) / std, torch.from_numpy(y)

    tr = pair(xtr[tr_idx], ytr[tr_idx])
    return Dataset(_limit(tr, n_train, layout.name), pair(xtr[va_idx], ytr[va_idx]), pair(xte, yte),
                   {"in_features": 3072, "n_classes": layout.n_classes, "input_shape": (3, 32, 32),
                    "source": f"{layout.name} batches in {root}"})
