"""`actlab.arith.run`: the arithmetic-extrapolation benchmark for several ops and units, resumable, in SQLite."""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from actlab.arith.batched import unit_name
from actlab.arith.budget import RampWarning, ramp_notes
from actlab.arith.stats import summarize
from actlab.arith.task import ArithTask, op_name
from actlab.arith.trainer import TrainConfig, train_seeds
from actlab.core.errors import ParameterError
from actlab.store.arith import ArithStore

_CONFIG_KEYS = {f for f in TrainConfig.__dataclass_fields__}
_TASK_KEYS = {"input_size", "subset_ratio", "overlap_ratio", "interpolation_range", "extrapolation_range",
              "fixed_subsets"}


def _split(values: Sequence[str] | str, what: str) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.split(",") if v.strip()]
    values = list(values)
    if not values:
        raise ParameterError(f"{what} must name at least one entry")
    return values


def _int(name: str, v) -> int:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ParameterError(f"{name} must be an integer >= 1, got {v!r}")
    return v


def run(ops: Sequence[str] | str = ("mul", "add", "sub"), units: Sequence[str] | str = ("nmu", "nau"),
        seeds: int = 100, iterations: int = 5_000_000, db: str | Path | None = None, *, task: str = "static",
        seed_offset: int = 0,
        seed_batch: int | None = None, progress: Callable[[int], None] | None = None, train: bool = True,
        backend: Any = None, **options) -> list[dict]:
    """Run every (op, unit) for ``seeds`` seeds and return one summary row per pair.

    Args:
        ops: ops (``add, sub, mul, div, square, sqrt`` or symbols), a list or a comma-separated string.
        units: ``nau, nmu, nac, nac_mul, nalu, nalu_sep, linear`` or any zoo activation (MLP baseline).
        seeds: number of seeds, ``seed_offset .. seed_offset + seeds - 1``.
        iterations: training iterations per seed (paper: 5·10⁶).
        task: a named task preset (``"static"``: the paper's default task; ``"simple"``: its very simple task
            t = (x1+x2+x3+x4)·(x1+x2) on 4 inputs, 2·10⁵ iterations in the paper); task options override it.
        db: SQLite file; finished seeds are kept and skipped on a re-run, and a batch killed mid-way resumes from
            its last checkpoint. ``None`` keeps everything in memory.
        seed_batch: seeds trained together as one batched model (default: all of them).
        progress: called with the number of seed-iterations done since its last call.
        train: ``False`` only reads the store: rows summarise the seeds already finished (``pending`` counts the
            rest) and cells without any finished seed are left out.
        backend: an `actlab.bench.backends` backend (e.g. Ray on a cluster): the (op, unit, seed batch) jobs run
            there, at most its ``num_workers`` at once; only this process writes the database
            (`actlab.arith.distributed`). ``None`` trains here, one batch after the other.
        **options: task options (``input_size, subset_ratio, overlap_ratio, interpolation_range,
            extrapolation_range, fixed_subsets``) and `TrainConfig` fields (``hidden, batch_size, lr, eval_every,
            eval_size, checkpoint_every, regularizer, ramp_scale, eps, threads, chunk``).

    Returns:
        rows with ``op, unit, seeds, solved, diverged, success_rate, ci_low, ci_high, converged_at_median`` (+ its
        interval), ``converged_at_mean`` (gamma MLE, + interval), ``sparsity_error`` (+ interval), ``threshold``,
        ``iterations`` and ``wall_time`` (seconds spent training in this call).
    """
    ops = [op_name(o) for o in _split(ops, "ops")]
    units = [unit_name(u) for u in _split(units, "units")]
    seeds = _int("seeds", seeds)
    iterations = _int("iterations", iterations)
    if isinstance(seed_offset, bool) or not isinstance(seed_offset, int) or seed_offset < 0:
        raise ParameterError(f"seed_offset must be an integer >= 0, got {seed_offset!r}")
    seed_batch = seeds if seed_batch is None else _int("seed_batch", seed_batch)
    unknown = set(options) - _CONFIG_KEYS - _TASK_KEYS
    if unknown:
        raise ParameterError(f"unknown option(s) {sorted(unknown)}; valid: {sorted(_CONFIG_KEYS | _TASK_KEYS)}")
    task_opts = {k: v for k, v in options.items() if k in _TASK_KEYS}
    cfg_opts = {k: v for k, v in options.items() if k in _CONFIG_KEYS}
    config = TrainConfig(iterations=iterations, **cfg_opts)
    for note in ramp_notes(units, config):
        warnings.warn(note, RampWarning, stacklevel=2)
    tasks = {op: ArithTask.named(task, op, **task_opts) for op in ops}  # validates every argument before any training
    store = ArithStore(":memory:" if db is None else db)
    wanted = list(range(seed_offset, seed_offset + seeds))
    rows = []
    try:
        if train and backend is not None:
            from actlab.arith.distributed import run_jobs

            jobs = [(rid, tasks[op], unit, b) for op in ops for unit in units
                    for rid in [store.run_id(op, unit, run_key(tasks[op], config))]
                    for b in pending_batches(store, rid, wanted, seed_batch)]
            run_jobs(backend, store, jobs, config, progress)
            train = False  # everything is stored: the loop below only summarises
        for op in ops:
            task = tasks[op]
            for unit in units:
                rid = store.run_id(op, unit, run_key(task, config))
                t0 = time.perf_counter()
                if train:
                    _run_pending(store, rid, task, unit, wanted, seed_batch, config, progress)
                res = store.seeds(rid, wanted)
                if not res:
                    continue
                row = {"op": op, "unit": unit, **summarize(res), "pending": len(wanted) - len(res),
                       "threshold": res[0]["threshold"], "iterations": iterations,
                       "wall_time": time.perf_counter() - t0}
                rows.append(row)
    finally:
        store.close()
    return rows


def run_key(task: ArithTask, config: TrainConfig) -> dict:
    """The configuration part of a run's store key (with op and unit): task fields and protocol fields."""
    return {"task": task.describe(), "train": config.describe()}


def pending_batches(store: ArithStore, rid: int, wanted: list[int], seed_batch: int) -> list[list[int]]:
    """The seeds of ``wanted`` that have no result yet, in batches: first those with a checkpoint, then the rest."""
    done = store.finished(rid)
    todo = [s for s in wanted if s not in done]
    batches = []
    for ck_seeds, _ in store.checkpoints(rid):
        if set(ck_seeds) <= set(todo):
            batches.append(ck_seeds)
            todo = [s for s in todo if s not in ck_seeds]
    return batches + [todo[i:i + seed_batch] for i in range(0, len(todo), seed_batch)]


def _run_pending(store: ArithStore, rid: int, task: ArithTask, unit: str, wanted: list[int], seed_batch: int,
                 config: TrainConfig, progress: Callable[[int], None] | None) -> None:
    """Train the seeds of ``wanted`` that have no result yet: first batches with a checkpoint, then the rest."""
    done = store.finished(rid)
    if progress is not None and done & set(wanted):
        progress(len(done & set(wanted)) * config.iterations)
    for batch in pending_batches(store, rid, wanted, seed_batch):
        train_batch(store, rid, task, unit, batch, config, progress)


def train_batch(store: ArithStore | str | Path, rid: int, task: ArithTask, unit: str, batch: Sequence[int],
                config: TrainConfig, progress: Callable[[int], None] | None = None) -> list[dict]:
    """One (op, unit, seed batch) job: resume from the batch's checkpoint if there is one, train, store the seeds'
    results and drop the checkpoint; returns the stored rows.

    With ``store`` a database path every argument is picklable and the function opens its own connection, so a
    process pool or a Ray task can run it as it is (the run id comes from `ArithStore.run_id` with `run_key`).
    """
    st = store if isinstance(store, ArithStore) else ArithStore(store)
    try:
        batch = [int(s) for s in batch]
        ck = st.load_checkpoint(rid, batch)
        t0 = time.perf_counter()
        results = train_seeds(task, unit, batch, config, resume=None if ck is None else ck[1], progress=progress,
                              checkpoint=lambda it, blob: st.save_checkpoint(rid, batch, it, blob))
        wall = (time.perf_counter() - t0) / len(batch)
        rows = [{**vars(r), "wall_time": wall} for r in results]
        st.save_seeds(rid, rows)
        st.drop_checkpoint(rid, batch)
        return rows
    finally:
        if st is not store:
            st.close()
