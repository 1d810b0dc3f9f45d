"""A rough time for one run of a task on this machine, from a few optimiser steps of the task's own code.

`measure` runs the task exactly as a benchmark run does (`Task.run`: its data, model, loss, metric and the one
training loop, one torch thread like `actlab bench`), twice:

1. a run stopped at the loop's "start" event, which reports the run's total optimiser steps and epochs (the
   loop's own count: epochs × batches per epoch, capped by ``max_steps``), so nothing here re-derives it;
2. a run capped at a few steps (``max_steps``) with a progress event after every step: the gaps between events
   are the step times, and the gap before an "epoch" event is one validation pass.

The estimate of the training wall time (what a run stores as ``wall_time`` and `wall_times` averages) is

    first step + (total steps − 1) × mean later step + validation passes × mean validation pass

(the first step is counted apart: it includes warm-up and the saved-for-backward count). Data loading is
not included, as in ``wall_time``. Estimates are cached (`TimeCache`) under the user cache dir, keyed by the
task's fingerprint (its code hash, budget, model and data options), the budget, torch version, device and
thread count, so an edited task or another torch measures again.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CALIBRATION_STEPS = 20
CACHE_FILE = "task_times.json"
CACHE_VERSION = 1
_KEEP = ("device", "precision", "data_dir")  # run overrides a calibration honours (see actlab.tasks.runopts)


@dataclass(frozen=True)
class Calibration:
    """One task's measured rates and the estimate built from them (seconds of training per run)."""

    task: str
    small: bool
    seconds: float       # estimated wall time of fit() for the whole budget
    total_steps: int     # optimiser steps of the whole budget (the loop's own count)
    evals: int           # validation passes of the whole budget (one per epoch)
    measured_steps: int  # steps actually timed
    first_step: float
    step: float          # mean of the later steps
    eval: float          # mean validation pass
    cost: float          # seconds the calibration itself took (both runs, data loading included)
    device: str
    device_name: str
    threads: int
    torch: str
    fingerprint: str
    measured_at: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def extrapolate(total_steps: int, evals: int, first_step: float, step: float, eval_s: float) -> float:
    """Seconds of a whole run from per-step and per-evaluation times (see the module docstring)."""
    return first_step + max(total_steps - 1, 0) * step + evals * eval_s


class _Stop(Exception):
    """Raised by the calibration's callback to end a run at the loop's "start" event."""


def _plan(task: Any, small: bool, options: dict[str, Any], threads: int) -> tuple[int, int, int]:
    """(total steps, epochs, steps per epoch) of the whole budget, read from the loop's "start" event of a run
    stopped right there (run once uncapped, so the batches per epoch are known even when max_steps caps it)."""
    seen: dict[str, int] = {}

    def on_start(ev: Any) -> None:
        if ev.kind == "start":
            seen.update(total=ev.total_steps, epochs=ev.epochs)
            raise _Stop

    try:
        task.run("relu", 0, small=small, threads=threads, callbacks=[on_start], **{**options, "max_steps": None})
    except _Stop:
        pass
    if not seen:
        raise RuntimeError(f"task {task.name}: the training loop never started, so it cannot be timed")
    per_epoch = max(1, seen["total"] // seen["epochs"])
    cap = task.settings(small, **options)[0].max_steps
    total = seen["total"] if cap is None else min(seen["total"], cap)
    return total, math.ceil(total / per_epoch), per_epoch


def measure(task: Any, small: bool = False, *, options: dict[str, Any] | None = None, threads: int = 1,
            steps: int = CALIBRATION_STEPS, act: Any = "relu",
            on_step: Callable[[int, int], Any] | None = None) -> Calibration:
    """Time ``steps`` optimiser steps (and the validation passes they reach) of ``task`` at its full or small
    budget and extrapolate to the whole run. ``options``: run overrides (device, precision, data_dir);
    ``on_step(done, of)`` reports progress."""
    import torch

    from actlab.train.device import device_name

    options = {k: v for k, v in (options or {}).items() if k in _KEEP}
    t_begin = time.perf_counter()
    total, evals, _per_epoch = _plan(task, small, options, threads)
    k = max(1, min(int(steps), total))
    events: list[tuple[str, float]] = []

    def on_event(ev: Any) -> None:
        events.append((ev.kind, time.perf_counter()))
        if ev.kind == "step" and on_step is not None:
            on_step(ev.step, k)

    rec = task.run(act, 0, small=small, threads=threads, callbacks=[on_event],
                   **{**options, "max_steps": k, "log_every": 1})
    step_times, eval_times = [], []
    for (_kind0, t0), (kind, t1) in zip(events, events[1:]):
        (step_times if kind == "step" else eval_times if kind == "epoch" else []).append(t1 - t0)
    if not step_times:
        raise RuntimeError(f"task {task.name}: no optimiser step was timed (the run diverged at once?)")
    first = step_times[0]
    later = statistics.fmean(step_times[1:]) if len(step_times) > 1 else first
    ev_s = statistics.fmean(eval_times) if eval_times else 0.0
    cfg = task.settings(small, **options)[0]
    return Calibration(
        task=task.name, small=small, seconds=extrapolate(total, evals, first, later, ev_s), total_steps=total,
        evals=evals, measured_steps=len(step_times), first_step=first, step=later, eval=ev_s,
        cost=time.perf_counter() - t_begin, device=cfg.device, device_name=rec.device_name or
        device_name(cfg.device), threads=threads, torch=torch.__version__, fingerprint=task.fingerprint(),
        measured_at=time.time())


def cache_key(task: Any, small: bool, options: dict[str, Any] | None = None, threads: int = 1) -> str:
    """What an estimate depends on: the task's fingerprint (code hash, budget, model and data options), the
    budget, device (and the machine's name for it), precision, torch version and thread count."""
    import torch

    from actlab.train.device import device_name

    options = options or {}
    dev = options.get("device", "cpu")
    spec = {"fingerprint": task.fingerprint(), "small": bool(small), "device": dev,
            "device_name": device_name(dev), "precision": options.get("precision", "fp32"),
            "torch": torch.__version__, "threads": int(threads), "host": platform.node()}
    return hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


class TimeCache:
    """Calibrations on disk: one JSON file under the user cache dir (``$ACTLAB_CACHE`` or
    ``~/.cache/actlab``), never in the source tree. A damaged file counts as empty."""

    def __init__(self, path: str | os.PathLike | None = None):
        if path is None:
            from actlab.core.paths import cache_dir

            path = cache_dir() / CACHE_FILE
        self.path = Path(path)

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return {}
        return data.get("entries", {}) if isinstance(data.get("entries"), dict) else {}

    def get(self, key: str) -> Calibration | None:
        entry = self._load().get(key)
        try:
            return Calibration(**entry) if isinstance(entry, dict) else None
        except TypeError:  # written by another version of this class
            return None

    def put(self, key: str, cal: Calibration) -> None:
        entries = self._load()
        entries[key] = cal.to_dict()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "entries": entries}, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)  # readers never see half a file


def cached(task: Any, small: bool, options: dict[str, Any] | None = None, threads: int = 1,
           cache: TimeCache | None = None) -> Calibration | None:
    """The cached calibration of ``task`` for this budget, device, torch and thread count, or None."""
    return (cache or TimeCache()).get(cache_key(task, small, options, threads))


def calibrate(task: Any, small: bool = False, *, options: dict[str, Any] | None = None, threads: int = 1,
              steps: int = CALIBRATION_STEPS, force: bool = False, cache: TimeCache | None = None,
              on_step: Callable[[int, int], Any] | None = None) -> tuple[Calibration, bool]:
    """The cached calibration, or a new one measured and stored; returns (calibration, whether it was measured
    now). ``force`` measures again even when the cache has it."""
    cache = cache or TimeCache()
    key = cache_key(task, small, options, threads)
    if not force:
        hit = cache.get(key)
        if hit is not None:
            return hit, False
    cal = measure(task, small, options=options, threads=threads, steps=steps, on_step=on_step)
    cache.put(key, cal)
    return cal, True


def select(names: str | None, device: str | None = None,
           data_dir: str | os.PathLike | None = None) -> tuple[list[tuple[Any, dict[str, Any]]], list[str]]:
    """The tasks to time (comma-separated ``names``, or all; unknown names fail with close matches) with their
    run overrides, and a note for each task skipped because it needs a data folder that was not given."""
    from actlab.tasks import get_task, names as all_names
    from actlab.tasks.runopts import ENV_DATA, preflight, run_overrides

    wanted = [n.strip() for n in names.split(",") if n.strip()] if names else all_names()
    tasks = list({t.name: t for t in map(get_task, wanted)}.values())  # every name checked before measuring
    out, skipped = [], []
    for task in tasks:
        opts = run_overrides(task, device=device, data_dir=data_dir)
        if "data_dir" in (task.data_kw or {}) and "data_dir" not in opts:
            skipped.append(f"{task.name}: skipped, it reads a data folder (pass --data-dir or set ${ENV_DATA})")
            continue
        preflight(task, opts)
        out.append((task, opts))
    return out, skipped
