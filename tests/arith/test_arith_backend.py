"""(op, unit, seed batch) jobs on a backend: same results as in-process, checkpoints stored by the driver."""
from __future__ import annotations

import pytest

from actlab.arith.run import run
from actlab.bench.backends import get_backend
from actlab.store.arith import ArithStore

KW = dict(ops="add", units="nau,nmu", seeds=4, seed_batch=2, iterations=1500, eval_every=500, eval_size=500)


def stored(db) -> dict:
    with_store = ArithStore(db)
    try:
        return {(r["op"], r["unit"]): [{k: v for k, v in s.items() if k not in ("wall_time", "finished", "run_id")}
                                       for s in with_store.seeds(r["id"])] for r in with_store.runs()}
    finally:
        with_store.close()


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and all(len(v) == 4 for v in a.values())
    for k in a:
        for x, y in zip(a[k], b[k]):
            # the success threshold is a mean over a test set: its last bit depends on torch's thread count
            assert x.keys() == y.keys()
            for f in x:
                same = x[f] == y[f] or (isinstance(x[f], float) and isinstance(y[f], float)
                                        and (x[f] == pytest.approx(y[f], rel=1e-12) or x[f] != x[f] and y[f] != y[f]))
                assert same, (k, f, x[f], y[f])


def test_jobs_on_a_process_pool_store_what_in_process_training_stores(tmp_path):
    run(db=tmp_path / "here.db", **KW)
    with get_backend("local", num_workers=2) as be:
        run(db=tmp_path / "pool.db", backend=be, **KW)
    assert_same(stored(tmp_path / "here.db"), stored(tmp_path / "pool.db"))


def test_checkpoints_of_remote_jobs_reach_the_driver_and_are_dropped_when_the_batch_ends(tmp_path, monkeypatch):
    saved = []
    real = ArithStore.save_checkpoint

    def spy(self, rid, seeds, iteration, state):
        saved.append((list(seeds), iteration))
        return real(self, rid, seeds, iteration, state)

    monkeypatch.setattr(ArithStore, "save_checkpoint", spy)
    with get_backend("local", num_workers=1) as be:
        run(db=tmp_path / "c.db", backend=be, checkpoint_every=500, **KW)
    assert saved and {tuple(s) for s, _ in saved} == {(0, 1), (2, 3)}
    st = ArithStore(tmp_path / "c.db")
    try:
        assert all(st.checkpoints(r["id"]) == [] for r in st.runs())
    finally:
        st.close()
