"""What every benchmark script shares: the argparse preamble, interleaved timing with median and range, and the
markdown block writer (`mdblock.write_block`).

Interleaving (every contender once per round, rounds repeated) spreads the noise of a shared machine over all
contenders alike, so ratios measured within a run are what a benchmark reports.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Mapping

from mdblock import write_block  # noqa: F401  (re-exported: the one writer of BENCHMARKS.md / FIDELITY.md blocks)


def parser(doc: str | None, repeats: int | None = 7) -> argparse.ArgumentParser:
    """An ArgumentParser described by the script's docstring, with the common ``--repeats`` (none when
    ``repeats`` is None: a script that times nothing, or whose subcommands take their own)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    if repeats is not None:
        ap.add_argument("--repeats", type=int, default=repeats, help="interleaved rounds (default %(default)s)")
    return ap


def time_call(fn: Callable[[], object], reps: int) -> float:
    """Mean seconds per call of ``fn`` over ``reps`` back-to-back calls."""
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


def interleaved(calls: Mapping[str, Callable[[], object]], repeats: int,
                inner: int | Mapping[str, int] = 1) -> dict[str, list[float]]:
    """Seconds per call of each contender, one figure per round; every round runs each contender ``inner``
    times (an int, or per contender) in the order given."""
    times: dict[str, list[float]] = {n: [] for n in calls}
    for _ in range(repeats):
        for n, fn in calls.items():
            times[n].append(time_call(fn, inner if isinstance(inner, int) else inner[n]))
    return times


def summary(values: list[float]) -> tuple[float, float, float]:
    """(median, min, max)."""
    return statistics.median(values), min(values), max(values)


def ratios(num: list[float], den: list[float]) -> list[float]:
    """Round-by-round ratios of two contenders timed in the same rounds."""
    return [a / b for a, b in zip(num, den, strict=True)]


def cell(values: list[float], fmt: str = "{:.1f}", scale: float = 1.0, suffix: str = "") -> str:
    """A table cell "median [min–max]" of ``values`` × ``scale`` (e.g. 1e3 for ms), each with ``suffix``."""
    m, lo, hi = (fmt.format(v * scale) for v in summary(values))
    return f"{m}{suffix} [{lo}–{hi}]"
