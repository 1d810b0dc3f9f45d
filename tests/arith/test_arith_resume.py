"""The store: a run killed mid-way resumes from its last checkpoint without losing finished seeds."""
import importlib

import pytest

from actlab.arith import run
from actlab.core.errors import ParameterError, UnknownNameError
from actlab.store.arith import ArithStore

OPTS = dict(input_size=2, subset_ratio=0.5, overlap_ratio=0.0, eval_every=50, eval_size=300,
            checkpoint_every=100, lr=1e-2)


run_mod = importlib.import_module("actlab.arith.run")  # the module (``actlab.arith.run`` is the function)


class Killed(Exception):
    pass


def test_resume_after_interruption_keeps_finished_seeds(tmp_path, monkeypatch):
    ref = run("sub", "nau", seeds=4, iterations=200, db=tmp_path / "ref.db", seed_batch=2, **OPTS)

    seen = {"n": 0}

    def killer(k):  # dies in the second batch, after its checkpoint at iteration 100
        seen["n"] += k
        if seen["n"] >= 2 * 200 + 2 * 150:
            raise Killed

    db = tmp_path / "arith.db"
    with pytest.raises(Killed):
        run("sub", "nau", seeds=4, iterations=200, db=db, seed_batch=2, progress=killer, **OPTS)
    st = ArithStore(db)
    rid = st.runs()[0]["id"]
    assert st.finished(rid) == {0, 1}
    assert st.checkpoints(rid) == [([2, 3], 100)]
    first = {r["seed"]: r["finished"] for r in st.seeds(rid)}
    st.close()
    peek = run("sub", "nau", seeds=4, iterations=200, db=db, seed_batch=2, train=False, **OPTS)
    assert (peek[0]["seeds"], peek[0]["pending"]) == (2, 2)  # read-only: summarises the finished seeds

    trained = []
    real = run_mod.train_seeds

    def spy(task, unit, seeds, config, resume=None, **kw):
        trained.append((list(seeds), resume is not None))
        return real(task, unit, seeds, config, resume=resume, **kw)

    monkeypatch.setattr(run_mod, "train_seeds", spy)
    rows = run("sub", "nau", seeds=4, iterations=200, db=db, seed_batch=2, **OPTS)
    assert trained == [([2, 3], True)]  # finished seeds are not retrained; the batch resumes from its checkpoint
    st = ArithStore(db)
    after = st.seeds(rid)
    assert {r["seed"]: r["finished"] for r in after if r["seed"] in (0, 1)} == first
    assert st.checkpoints(rid) == []
    ref_seeds = ArithStore(tmp_path / "ref.db").seeds(rid)
    for a, b in zip(after, ref_seeds):  # resumed results equal the uninterrupted run's
        assert (a["seed"], a["success"], a["best_step"], a["converged_at"]) == \
            (b["seed"], b["success"], b["best_step"], b["converged_at"])
        assert a["test_mse"] == pytest.approx(b["test_mse"], rel=1e-5, abs=1e-12)
    assert rows[0]["success_rate"] == ref[0]["success_rate"]


def test_rows_carry_the_promised_fields():
    rows = run(["sub"], ["nau", "linear"], seeds=2, iterations=100, **OPTS)
    assert [(r["op"], r["unit"]) for r in rows] == [("sub", "nau"), ("sub", "linear")]
    for r in rows:
        for k in ("op", "unit", "success_rate", "ci_low", "ci_high", "converged_at_median", "sparsity_error"):
            assert k in r
        assert 0 <= r["ci_low"] <= r["success_rate"] <= r["ci_high"] <= 1


def test_unknown_op_or_unit_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match="valid: add, div, mul, sqrt, square, sub"):
        run("pow", "nau", seeds=1, iterations=10)
    with pytest.raises(UnknownNameError) as e:
        run("add", "nmuu", seeds=1, iterations=10)
    assert "nmu" in e.value.suggestions and "nau" in str(e.value)


@pytest.mark.parametrize("kw,name", [(dict(seeds=0), "seeds"), (dict(iterations=-5), "iterations"),
                                     (dict(overlap_ratio=2.0), "overlap_ratio"), (dict(bogus=1), "bogus"),
                                     (dict(eval_every=0), "eval_every"), (dict(lr=-1.0), "lr")])
def test_bad_run_arguments_raise_naming_the_argument(kw, name, tmp_path):
    args = dict(seeds=2, iterations=100, db=tmp_path / "x.db")
    args.update(kw)
    with pytest.raises(ParameterError, match=name):
        run("add", "nau", **args)


def test_a_seed_batch_job_is_a_picklable_call_and_checkpoints_summarise(tmp_path):
    import functools
    import pickle

    from actlab.arith.run import run_key, train_batch
    from actlab.arith.task import ArithTask
    from actlab.arith.trainer import BatchedTrainer, TrainConfig, checkpoint_summary

    task = ArithTask("sub", input_size=2, subset_ratio=0.5, overlap_ratio=0.0)
    cfg = TrainConfig(iterations=200, eval_every=50, eval_size=300, checkpoint_every=100, lr=1e-2)
    db = tmp_path / "job.db"
    st = ArithStore(db)
    rid = st.run_id("sub", "nau", run_key(task, cfg))
    st.close()
    job = pickle.loads(pickle.dumps(functools.partial(train_batch, str(db), rid, task, "nau", [0, 1], cfg)))
    rows = job()
    stored = run("sub", "nau", seeds=2, iterations=200, db=db, train=False, **OPTS)
    assert stored and stored[0]["seeds"] == 2 and stored[0]["solved"] == sum(r["success"] for r in rows)
    blobs = []
    tr = BatchedTrainer(task, "nau", [0, 1, 2], cfg)
    tr.train(checkpoint=lambda it, b: blobs.append(b))
    s = checkpoint_summary(blobs[0])
    assert s["iteration"] == 100 and s["seeds"] == 3
    assert s["solved"] == len(s["solved_at"]) and all(0 < v <= 100 and v % 50 == 0 for v in s["solved_at"])
