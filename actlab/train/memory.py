"""Peak memory of a block of code, in bytes above what the process held when the block began.

CPU: Linux's resident-set high-water mark. Writing "5" to ``/proc/self/clear_refs`` resets ``VmHWM`` to
the current RSS (proc(5), Linux >= 4.0), so ``VmHWM`` read at the end minus ``VmRSS`` at the start is the
peak the block added ("rss_hwm"). Where that file cannot be written, ``resource.getrusage`` max RSS is used;
it never resets, so its delta is a lower bound ("ru_maxrss"). tracemalloc is not used: torch's CPU
allocator bypasses Python's allocator, so tracemalloc would miss every tensor. CUDA: the caching
allocator's ``max_memory_allocated`` after a reset ("cuda_max_allocated"). RSS is per process: concurrent
runs in threads of one process share it, runs in separate processes (Ray, local process pool) do not.
"""
from __future__ import annotations

import resource
import sys
from collections.abc import Iterable

import torch

_PROC = "/proc/self/status"


def _status_kb(key: str) -> int | None:
    try:
        with open(_PROC) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_bytes() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r) if sys.platform == "darwin" else int(r) * 1024  # macOS reports bytes, Linux KiB


class PeakMemory:
    """Context manager; after exit ``peak`` (bytes, >= 0) and ``method`` (how it was measured) are set."""

    def __init__(self, device: torch.device | str = "cpu"):
        self.device = torch.device(device)
        self.peak, self.method = 0, ""

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.method = "cuda_max_allocated"
            return self
        rss = _status_kb("VmRSS")
        if rss is not None and _reset_hwm():
            self._base, self.method = rss * 1024, "rss_hwm"
        else:
            self._base, self.method = _maxrss_bytes(), "ru_maxrss"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.method == "cuda_max_allocated":
            torch.cuda.synchronize(self.device)
            top = torch.cuda.max_memory_allocated(self.device)
        elif self.method == "rss_hwm":
            top = (_status_kb("VmHWM") or 0) * 1024
        else:
            top = _maxrss_bytes()
        self.peak = max(0, int(top - self._base))


class SavedForBackward:
    """Context manager counting the bytes autograd saves for backward inside the block (``saved``, >= 0).

    Each distinct storage is counted once; storages of ``exclude`` tensors (a model's parameters: Linear saves
    its weight) are not activation memory and are skipped. Unlike the RSS peak this does not depend on what
    the process allocated before (run order, allocator reuse), so it compares activations fairly: it is the
    activation memory one training step holds between forward and backward.
    """

    def __init__(self, exclude: Iterable[torch.Tensor] = ()):
        self._skip = {t.untyped_storage().data_ptr() for t in exclude}
        self._seen: set[int] = set()
        self.saved = 0

    def _pack(self, t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        ptr = storage.data_ptr()
        if ptr not in self._skip and ptr not in self._seen:
            self._seen.add(ptr)
            self.saved += storage.nbytes()
        return t

    def __enter__(self) -> SavedForBackward:
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, lambda t: t)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._hooks.__exit__(*exc)
