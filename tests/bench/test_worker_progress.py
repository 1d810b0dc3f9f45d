"""Runs in worker processes report per-epoch progress to the parent while it waits (local pool; Ray if present).

The full suites over worker processes are slow (workers import torch and load data); the default suite checks
the runner's forwarding path with the eager backend and each channel's cross-process transport on its own."""
from __future__ import annotations

import shutil
import tempfile

import pytest

from actlab.bench.backends import get_backend
from actlab.bench.config import make_config
from actlab.bench.runner import run_suite
from actlab.train.loop import ProgressEvent

# a real task: worker processes cannot see tasks patched into this process
EPOCHS = 3
SUITE = {"acts": ["relu", "tanh"], "tasks": ["digits_mlp"], "seeds": [0],
         "budget": {"epochs": EPOCHS, "batch_size": 512}}


def _record(backend, tmp_path):
    events, order = [], []

    def on_event(kind, **info):
        if kind == "run_progress":
            events.append((info["spec"].act, info["event"]))
        if kind in ("run_progress", "run_end"):
            order.append((kind, info["spec"].act))

    res = run_suite(make_config(SUITE), tmp_path / "r.db", backend=backend, on_event=on_event, progress=True)
    assert len(res.executed) == 2 and not res.errors
    return events, order


def _check(events, order):
    for act in ("relu", "tanh"):
        evs = [e for a, e in events if a == act]
        assert all(isinstance(e, ProgressEvent) for e in evs)
        epochs = [e for e in evs if e.kind == "epoch"]
        # one event per epoch, in order, with the run's own step count and its validation metric
        assert [e.epoch for e in epochs] == list(range(1, EPOCHS + 1))
        assert all(e.step == e.epoch * e.total_steps // EPOCHS for e in epochs)
        assert all("val_metric" in e.metrics for e in epochs)
        assert not [e for e in evs if e.kind == "step"]  # step events stay in the worker
        # every progress event of a run reaches the parent before the run is recorded
        last = max(i for i, (k, a) in enumerate(order) if k == "run_progress" and a == act)
        assert last < order.index(("run_end", act))


def test_eager_backend_forwards_epochs_through_its_channel(tmp_path):
    """The backend path (forwarder → channel → drain → run_progress) with the in-process backend: cheap."""
    _check(*_record(get_backend("local"), tmp_path))


def test_process_pool_channel_carries_messages_from_workers():
    with get_backend("local", num_workers=2) as be:
        ch = be.progress_channel()
        try:
            hs = [be.submit(ch.sink.put, ("run", {"epoch": i})) for i in range(4)]
            be.wait(hs, num_returns=len(hs), timeout=60)
            assert sorted(m[1]["epoch"] for m in ch.drain()) == [0, 1, 2, 3]
            assert ch.drain() == []
        finally:
            ch.close()


@pytest.mark.slow  # spawns workers that import torch and load data: ~10 s idle, ~30 s on a busy 2-core VM
def test_local_pool_workers_report_the_epochs_an_in_process_run_sees(tmp_path):
    inproc, _ = _record(None, tmp_path / "a")
    be = get_backend("local", num_workers=2)
    try:
        events, order = _record(be, tmp_path / "b")
    finally:
        be.shutdown()
    _check(events, order)
    epochs = sorted((a, e.epoch, e.step, e.total_steps) for a, e in events if e.kind == "epoch")
    assert epochs == sorted((a, e.epoch, e.step, e.total_steps) for a, e in inproc if e.kind == "epoch")


@pytest.mark.slow
@pytest.mark.ray
def test_ray_workers_report_epochs_to_the_parent(tmp_path):
    pytest.importorskip("ray")
    tmp = tempfile.mkdtemp(prefix="rp", dir="/tmp")  # Ray's unix sockets need a short path
    be = get_backend("ray", num_workers=2, temp_dir=tmp)
    try:
        _check(*_record(be, tmp_path))
    finally:
        be.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)

