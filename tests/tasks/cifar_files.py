"""Small CIFAR-10-format folders written by the tests themselves (no real CIFAR data on this machine).

`write_cifar(dir, ...)` writes data_batch_1..k and test_batch as the official "python version" does, in one of
three flavours: ``py3`` (pickle protocol 4, str keys, numpy 2 module names), ``py3_bytes`` (bytes keys), and
``py2`` (protocol 2 with Python 2 ``str`` opcodes for every byte string and numpy 1's ``numpy.core`` module
names — what unpickling the official release from Python 3 meets).
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path

import numpy as np


class _Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 str opcodes (SHORT_BINSTRING / BINSTRING), as a Python 2 cPickle would."""

    dispatch = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + n.to_bytes(4, "little") + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str


def dumps(obj: object, flavour: str) -> bytes:
    if flavour == "py2":
        buf = io.BytesIO()
        _Py2Pickler(buf, protocol=2).dump(obj)
        return buf.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    return pickle.dumps(obj, protocol=4)


def separable_images(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """(n, 3072) uint8 images: class c tints the whole image with its own colour (fixed per class), plus noise."""
    colours = np.random.default_rng(1234).integers(30, 226, size=(10, 3))
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=n)
    x = colours[y][:, :, None, None] + rng.integers(-25, 26, size=(n, 3, 32, 32))
    return np.clip(x, 0, 255).reshape(n, 3072).astype(np.uint8), [int(v) for v in y]


def write_cifar(root: Path, n_train: int = 200, n_test: int = 100, batches: int = 2, flavour: str = "py3",
                subdir: bool = True) -> Path:
    """Write a CIFAR-10 'python version' folder under ``root``; returns the folder to pass as --data-dir."""
    d = root / "cifar-10-batches-py" if subdir else root
    d.mkdir(parents=True, exist_ok=True)
    key = (lambda k: k.encode()) if flavour in ("py2", "py3_bytes") else (lambda k: k)
    per = n_train // batches
    for b in range(batches):
        x, y = separable_images(per, seed=b)
        obj = {key("batch_label"): key(f"training batch {b + 1} of {batches}"), key("labels"): y, key("data"): x,
               key("filenames"): [key(f"img_{b}_{i}.png") for i in range(per)]}
        (d / f"data_batch_{b + 1}").write_bytes(dumps(obj, flavour))
    x, y = separable_images(n_test, seed=99)
    (d / "test_batch").write_bytes(dumps({key("batch_label"): key("testing batch"), key("labels"): y,
                                          key("data"): x}, flavour))
    (d / "batches.meta").write_bytes(dumps({key("label_names"): [key(f"c{i}") for i in range(10)]}, flavour))
    return root


class Exploit:
    """Unpickling this runs a shell command (the attack a restricted unpickler must refuse)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def write_cifar100(root: Path, n_train: int = 200, n_test: int = 50) -> Path:
    """A CIFAR-100 'python version' folder (cifar-100-python/{train, test, meta}, fine and coarse labels)."""
    d = root / "cifar-100-python"
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    for name, n in (("train", n_train), ("test", n_test)):
        fine = rng.integers(0, 100, size=n)
        x = rng.integers(0, 256, size=(n, 3072)).astype(np.uint8)
        (d / name).write_bytes(dumps({"data": x, "fine_labels": [int(v) for v in fine],
                                      "coarse_labels": [int(v) // 5 for v in fine]}, "py3"))
    (d / "meta").write_bytes(dumps({"fine_label_names": [f"f{i}" for i in range(100)]}, "py3"))
    return root
