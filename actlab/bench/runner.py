"""Run a suite: every (activation, task, seed) once, results into SQLite, resumable after a kill.

Before any training the runner checks every name (unknown → suggestions) and that every output path can be
written, so a typo or a read-only directory fails in a second rather than after an hour. A run already in the
database (finished or diverged) is skipped; a run that raised is recorded as ``error`` and retried next time.
"""
from __future__ import annotations

import dataclasses
import inspect
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actlab.bench.backends.scheduler import InFlight
from actlab.bench.config import SuiteConfig, validate_names
from actlab.core.errors import ConfigError
from actlab.core.errors import UnknownNameError
from actlab.core.plugins import origin as plugin_origin
from actlab.core.record import Record
from actlab.store.runs import RunStore, run_key

Event = Callable[..., None]
STEP_TIME_BASELINE = "relu"  # the issue asks for time per step relative to ReLU on the same task


TASK_FINGERPRINT = "task_fingerprint"


@dataclass(frozen=True)
class RunSpec:
    task: str
    act: str
    seed: int
    options: dict[str, Any] = field(default_factory=dict)
    act_id: str | None = None  # the activation's definition hash (`activation_identity`), part of the key
    origin: str | None = None  # the plugin file that defined the activation (None for built-ins); not in the key

    @property
    def key(self) -> str:
        return run_key(self.task, self.act, self.seed, self.options, self.act_id)


@dataclass
class SuiteResult:
    suite_id: int
    db: Path
    executed: list[RunSpec] = field(default_factory=list)
    skipped: list[RunSpec] = field(default_factory=list)
    diverged: list[RunSpec] = field(default_factory=list)
    errors: list[tuple[RunSpec, str]] = field(default_factory=list)
    wall_time: float = 0.0


def plan(cfg: SuiteConfig) -> list[RunSpec]:
    """All runs of a suite, ordered task → seed → activation, so that runs compared with each other (and their
    step times) are close in time on a noisy machine."""
    from actlab.tasks import get_task
    from actlab.tasks.codehash import activation_identity

    def options(t: str) -> dict[str, Any]:
        try:  # part of the run key: a changed task is a new run (names are validated before any run)
            fp = getattr(get_task(t), "fingerprint", None)
        except UnknownNameError:
            fp = None
        return {**cfg.options_for(t), **({TASK_FINGERPRINT: fp()} if fp else {})}

    opts = {t: options(t) for t in cfg.tasks}
    ids = {a: activation_identity(a) for a in cfg.acts}
    origins = {a: plugin_origin(a) for a in cfg.acts}
    return [RunSpec(t, a, s, opts[t], ids[a], origins[a]) for t in cfg.tasks for s in cfg.seeds for a in cfg.acts]


def check_writable(path: str | Path, what: str, is_dir: bool = False) -> Path:
    """Create ``path``'s directory (or ``path`` itself when ``is_dir``) and prove a file can be written there.

    A real write is attempted because permission bits lie (root ignores them; read-only mounts do not).
    """
    path = Path(path)
    if not is_dir and path.is_dir():
        raise ConfigError(f"{what} {str(path)!r} is a directory; give a file inside it, e.g. {path / 'bench.db'}")
    d = path if is_dir else path.parent
    for parent in (d, *d.parents):  # the deepest existing ancestor must be a directory
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(f"{what} {str(path)!r} is not writable: {str(parent)!r} is a file, "
                                  "not a directory")
            break
    try:
        d.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=d, prefix=".actlab-write-test-"):
            pass
        if not is_dir and path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(13, "file is read-only")
    except OSError as e:
        if not is_dir and path.is_file() and path.stat().st_size:  # an existing database: say what it holds
            from actlab.store.db import write_error

            raise write_error(path, e.strerror or e) from None
        raise ConfigError(f"{what} {str(path)!r} is not writable: {e.strerror or e}") from None
    return path


def execute_run(task: str, act: str, seed: int, options: dict[str, Any] | None = None,
                callback: Callable[..., None] | None = None) -> dict[str, Any]:
    """Run one (task, act, seed) and return its result as a dict, the form the store and the progress events carry
    (a `RunRecord`'s ``to_row()``; a custom task may return any mapping). Top-level so a worker process can pickle
    it; the backends load the caller's plugins in the worker first."""
    from actlab.tasks import get_task

    t = get_task(task)
    kw = {k: v for k, v in (options or {}).items() if k != TASK_FINGERPRINT}
    if callback is not None:
        try:
            params = inspect.signature(t.run).parameters
        except (TypeError, ValueError):
            params = {}
        if "callbacks" in params:
            kw["callbacks"] = (callback,)
    t0 = time.perf_counter()
    rec = t.run(act, seed, **kw)
    res = rec.to_row() if isinstance(rec, Record) else dict(rec)
    res.setdefault("wall_time", time.perf_counter() - t0)
    return res


class _Forward:
    """Job side of per-epoch progress for runs in another process: puts ``(run key, event fields)`` into a
    backend's progress channel. Step events stay behind (one message per optimiser step would cost more than
    the step); start, epoch and end events travel. Progress is best effort: a put that fails (the channel's
    process or node died) turns forwarding off for the rest of the run instead of failing the run."""

    def __init__(self, sink: Any, key: str):
        self.sink, self.key = sink, key

    def __call__(self, ev: Any) -> None:
        if self.sink is None or getattr(ev, "kind", None) == "step":
            return
        try:
            self.sink.put((self.key, dataclasses.asdict(ev) if dataclasses.is_dataclass(ev) else ev))
        except Exception:  # noqa: BLE001 - any transport error; the run itself must go on
            self.sink = None


def _event(fields: Any) -> Any:
    """The parent's copy of a forwarded event: a `ProgressEvent` again when it was one."""
    from actlab.train.loop import ProgressEvent

    return ProgressEvent(**fields) if isinstance(fields, dict) else fields


def _resolve_backend(backend: Any, cfg: SuiteConfig) -> Any:
    if backend is None or not isinstance(backend, str):
        return backend
    from actlab.bench.backends import get_backend

    return get_backend(backend, num_workers=cfg.workers, **(cfg.backend_options() if backend == cfg.backend else {}))


def run_suite(cfg: SuiteConfig, db: str | Path, *, backend: Any = None, on_event: Event | None = None,
              outputs: Iterable[str | Path] = (), run_callback: Callable[..., None] | None = None,
              progress: bool = False, rerun: bool = False) -> SuiteResult:
    """Run every missing run of ``cfg`` and record it in ``db``.

    ``backend``: None runs in this process, one after the other; "local"/"ray" (or a Backend object from
    `actlab.bench.backends.get_backend`) spreads the runs over workers; results are written here as they
    arrive. ``on_event(kind, **info)`` is told ``suite_start`` (total, todo), ``run_start``/``run_end``
    (spec, result) and ``suite_end``; it may raise to stop the suite (what is recorded stays). ``outputs``:
    further directories (e.g. the report) checked for writability before any training.

    Per-run progress: with ``progress=True`` or a ``run_callback``, tasks whose ``run`` accepts ``callbacks=``
    report their training events, which arrive as ``on_event("run_progress", spec=, event=)`` and as
    ``run_callback(event)``. In-process every event arrives at once; from worker processes (local pool, Ray)
    start/epoch/end events travel through the backend's progress channel and are delivered here, in this
    process, while the runner waits for results.

    ``rerun=True`` runs every run of the suite again, finished or not; the earlier rows stay in ``db`` marked
    superseded (reports count the newest). Plugins (the suite's ``imports`` and whatever this process loaded)
    are loaded by every worker before its first run (see `actlab.bench.backends.base.single_thread_call`).
    """
    emit = on_event or (lambda kind, **kw: None)
    cfg = validate_names(cfg)
    check_writable(db, "database path")
    for o in outputs:
        check_writable(o, "output directory", is_dir=True)
    # the baseline need not be in cfg.acts: the paired comparison then uses its runs from an earlier suite
    t0 = time.perf_counter()
    runs = plan(cfg)
    with RunStore(db) as store:
        sid = store.add_suite(cfg.name, cfg.model_dump(), [r.key for r in runs])
        done = store.done_keys()
        result = SuiteResult(sid, Path(db))
        todo = [r for r in runs if rerun or r.key not in done]
        result.skipped = [r for r in runs if not rerun and r.key in done]
        emit("suite_start", total=len(runs), todo=len(todo), skipped=len(result.skipped))

        def record(spec: RunSpec, res: dict[str, Any] | None, err: str | None) -> None:
            store.record_run(spec.task, spec.act, spec.seed, spec.options, res, error=err, act_id=spec.act_id,
                             origin=spec.origin)
            store.update_relative_step_times(STEP_TIME_BASELINE)
            if err is not None:
                result.errors.append((spec, err))
            else:
                result.executed.append(spec)
                if res and res.get("diverged"):
                    result.diverged.append(spec)
            emit("run_end", spec=spec, result=res, error=err)

        forward = progress or run_callback is not None

        def on_progress(spec: RunSpec, ev: Any) -> None:
            if run_callback is not None:
                run_callback(ev)
            emit("run_progress", spec=spec, event=ev)

        be = _resolve_backend(backend, cfg)
        if be is None:
            for spec in todo:
                emit("run_start", spec=spec)
                cb = (lambda ev, spec=spec: on_progress(spec, ev)) if forward else None
                try:
                    res = execute_run(spec.task, spec.act, spec.seed, spec.options, cb)
                except Exception as e:  # a crashing activation must not end the suite; recorded, retried next time
                    record(spec, None, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
                else:
                    record(spec, res, None)
        else:
            _run_on_backend(be, todo, record, emit, own=isinstance(backend, str),
                            on_progress=on_progress if forward else None)
        result.wall_time = time.perf_counter() - t0
        emit("suite_end", result=result)
    return result


POLL_S = 0.2  # how often the parent drains worker progress while it waits for results


def _run_on_backend(be: Any, todo: list[RunSpec], record: Callable[..., None], emit: Event, own: bool,
                    on_progress: Callable[[RunSpec, Any], None] | None = None) -> None:
    """Keep at most ``num_workers`` runs in flight and record each as it finishes, so a kill loses only those
    in flight (an eager in-process backend runs a job inside ``submit``; it is recorded right after).

    With ``on_progress``, each job gets a forwarder into the backend's progress channel, drained every
    ``POLL_S`` seconds and before each result is recorded (so a run's events come before its ``run_end``)."""
    queue = list(enumerate(todo))  # jobs are keyed by their position in todo
    channel = be.progress_channel() if on_progress is not None else None
    flight = InFlight(be, poll_s=POLL_S if channel is not None else None)
    by_key: dict[str, RunSpec] = {}

    def deliver() -> None:
        for key, fields in channel.drain() if channel is not None else ():
            if key in by_key:
                on_progress(by_key[key], _event(fields))

    try:
        while queue or len(flight):
            while queue and not flight.full:
                n, spec = queue.pop(0)
                emit("run_start", spec=spec)
                cb = None
                if channel is not None:
                    by_key[spec.key] = spec
                    cb = _Forward(channel.sink, spec.key)
                flight.submit(n, execute_run, spec.task, spec.act, spec.seed, spec.options, cb)
            finished = flight.wait()
            deliver()
            for job in finished:
                spec = todo[job.key]
                by_key.pop(spec.key, None)
                if job.error is not None:  # the job's own exception, re-raised by the backend
                    record(spec, None, f"{type(job.error).__name__}: {job.error}")
                else:
                    res = dict(job.value)
                    if job.where:  # the node a cluster ran it on (host, Ray node id), kept with the run
                        res["node"] = job.where
                    record(spec, res, None)
    finally:
        if channel is not None:
            channel.close()
        if own:
            be.shutdown()
