"""Per-thread scratch buffers for temporaries that never leave the fast KAN basis kernels.

Users (one `Slot` each, below): the RBF basis (`rbf.py`: the centre offsets), ReLU-KAN (`relu.py`: u − s) and the
cardinal B-splines (`bspline/cardinal.py`: the truncated-power sums and the backward's slopes).

A fresh multi-MB tensor per call is first touched page by page (the allocator hands large blocks back to the OS),
and on this CPU those page faults cost about as much as the arithmetic: measured at ~1/3 of a KAN [64, 64]
forward+backward step. Only values that are consumed before the kernel returns may live here — never an output,
never a tensor saved for backward.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

import torch
from torch import Tensor

_LOCAL = threading.local()


class Slot:
    """The named buffers. Two users of one slot must never hold it at the same time."""

    TEMP = 0   # a kernel's single temporary: rbf's centre offsets, relu-kan's (u - s)
    SUM = 1    # cardinal B-splines: the running sum of the i >= 1 truncated-power terms
    TERM = 2   # cardinal B-splines: each later term, before it is added to SUM
    SLOPE = 3  # cardinal B-splines' backward: the distance to the support's end


def scratch(shape: Sequence[int], dtype: torch.dtype, device: torch.device, slot: int) -> Tensor:
    """A contiguous tensor of ``shape`` backed by this thread's buffer ``slot`` (a `Slot`; grown when needed); its
    contents are garbage and are overwritten by the next user of the same slot."""
    bufs = getattr(_LOCAL, "bufs", None)
    if bufs is None:
        bufs = _LOCAL.bufs = {}
    n = 1
    for d in shape:
        n *= int(d)
    key = (slot, dtype, device)
    buf = bufs.get(key)
    if buf is None or buf.numel() < n:
        buf = bufs[key] = torch.empty(n, dtype=dtype, device=device)
    return buf[:n].view(*shape)


def scratch_like(t: Tensor, slot: int) -> Tensor:
    return scratch(t.shape, t.dtype, t.device, slot)
