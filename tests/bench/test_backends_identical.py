"""A suite spread over worker processes (local pool, Ray) records the same results as one run in-process."""
from __future__ import annotations

import shutil
import tempfile

import pytest

from actlab.bench.config import make_config
from actlab.bench.runner import run_suite
from actlab.store.runs import RunStore

# a real task (workers are fresh processes, so the toy task patched in by conftest would not exist there)
SUITE = {"acts": ["relu", "tanh"], "tasks": ["digits_mlp"], "seeds": [0, 1],
         "budget": {"epochs": 1, "batch_size": 256}}


def _values(db):
    with RunStore(db) as s:
        return [(r["key"], r["status"], r["value"], r["params"]) for r in s.runs()]


def _identical_over(backend, tmp_path):
    from actlab.bench.backends import get_backend

    run_suite(make_config(SUITE), tmp_path / "inproc.db")
    # Ray's unix sockets need a short path (< 108 bytes): pytest's tmp_path is too long
    kw = {"temp_dir": tempfile.mkdtemp(prefix="rt", dir="/tmp")} if backend == "ray" else {}
    be = get_backend(backend, num_workers=2, **kw)
    try:
        run_suite(make_config(SUITE), tmp_path / "workers.db", backend=be)
    finally:
        be.shutdown()
        if kw:
            shutil.rmtree(kw["temp_dir"], ignore_errors=True)
    a, b = _values(tmp_path / "inproc.db"), _values(tmp_path / "workers.db")
    assert len(a) == 4 and a == b


# default run: ~6.5 s on an idle 2-core machine (two spawned workers importing torch), the only check that a
# process pool records what an in-process suite records
def test_local_process_pool_records_identical_results(tmp_path):
    _identical_over("local", tmp_path)


@pytest.mark.slow
@pytest.mark.ray
def test_ray_backend_records_identical_results(tmp_path):
    pytest.importorskip("ray")
    _identical_over("ray", tmp_path)
