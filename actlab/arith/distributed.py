"""(op, unit, seed batch) jobs on a backend whose workers may not see this machine's disk (a Ray cluster).

The driver alone touches the database. Each job gets its batch's last checkpoint (read here) and sends its new
checkpoints back through the backend's progress channel, where the driver stores them as they arrive; the job's
return value is the seeds' results, which the driver stores when it finishes. A worker or node that dies loses at
most the iterations since the last checkpoint that reached the driver; the batch then resumes from it (on a retry
of the backend, or on the next run of the same command). ``backend`` is any object with the API of
`actlab.bench.backends.Backend` (passed in: arith does not import the bench package).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from actlab.arith.task import ArithTask
from actlab.arith.trainer import TrainConfig, train_seeds
from actlab.store.arith import ArithStore

Job = tuple[int, ArithTask, str, list[int]]  # run id, task, unit, seeds
POLL_S = 0.5


class _ToDriver:
    """Job side: checkpoints of one batch into the channel (picklable)."""

    def __init__(self, sink: Any, rid: int, batch: list[int]):
        self.sink, self.rid, self.batch = sink, rid, batch

    def __call__(self, iteration: int, blob: bytes) -> None:
        self.sink.put((self.rid, self.batch, iteration, blob))


def train_batch_returning(task: ArithTask, unit: str, batch: Sequence[int], config: TrainConfig,
                          resume: bytes | None, checkpoint: Callable[[int, bytes], None] | None) -> list[dict]:
    """Worker side of one job: train from ``resume`` and return the seeds' result rows; no database here."""
    t0 = time.perf_counter()
    results = train_seeds(task, unit, [int(s) for s in batch], config, resume=resume, checkpoint=checkpoint)
    wall = (time.perf_counter() - t0) / max(1, len(results))
    return [{**vars(r), "wall_time": wall} for r in results]


def run_jobs(backend: Any, store: ArithStore, jobs: Sequence[Job], config: TrainConfig,
             progress: Callable[[int], None] | None = None) -> None:
    """Run every job on ``backend`` (at most ``backend.num_workers`` at once), storing checkpoints and results
    here as they arrive."""
    queue = list(jobs)
    channel = backend.progress_channel()
    flight: dict[Any, Job] = {}
    width = max(1, int(getattr(backend, "num_workers", 1) or 1))

    def save_checkpoints() -> None:
        for rid, batch, iteration, blob in channel.drain():
            store.save_checkpoint(rid, batch, iteration, blob)

    try:
        while queue or flight:
            while queue and len(flight) < width:
                rid, task, unit, batch = job = queue.pop(0)
                ck = store.load_checkpoint(rid, batch)
                h = backend.submit(train_batch_returning, task, unit, batch, config,
                                   None if ck is None else ck[1], _ToDriver(channel.sink, rid, batch))
                flight[h] = job
            done, _ = backend.wait(list(flight), num_returns=1, timeout=POLL_S)
            save_checkpoints()
            for h in done:
                rid, _, _, batch = flight.pop(h)
                rows = backend.result(h)
                save_checkpoints()  # anything the job sent before it returned
                store.save_seeds(rid, rows)
                store.drop_checkpoint(rid, batch)
                if progress is not None:
                    progress(len(batch) * config.iterations)
    finally:
        channel.close()
