"""The suite runner: each run once, resume after a kill, divergence and crashes recorded, checks before training."""
from __future__ import annotations

import pytest

from actlab.bench.config import make_config
from actlab.bench.runner import plan, run_suite
from actlab.core.errors import ConfigError, UnknownNameError
from actlab.store.runs import RunStore


def _cfg(**kw):
    base = {"acts": ["relu", "gelu", "tanh"], "tasks": ["toy_a", "toy_b"], "seeds": 2, "budget": {"epochs": 2}}
    return make_config(base | kw)


def _calls(tasks):
    return sum(len(t.calls) for t in tasks.values())


def test_suite_records_every_run_once_with_curves(toy_tasks, tmp_path):
    db = tmp_path / "r.db"
    res = run_suite(_cfg(), db)
    assert len(res.executed) == 12 and _calls(toy_tasks) == 12
    with RunStore(db) as s:
        runs = s.runs()
        assert len(runs) == 12
        assert {(r["task"], r["act"], r["seed"]) for r in runs} == \
            {(t, a, k) for t in ("toy_a", "toy_b") for a in ("relu", "gelu", "tanh") for k in (0, 1)}
        curves = s.curves(r["id"] for r in runs if r["status"] == "ok")
        assert all(len(c["val_metric"]) == 2 for c in curves.values())


def test_rerun_of_a_finished_suite_trains_nothing(toy_tasks, tmp_path):
    db = tmp_path / "r.db"
    run_suite(_cfg(), db)
    before = _calls(toy_tasks)
    res = run_suite(_cfg(), db)
    assert _calls(toy_tasks) == before and len(res.skipped) == 12 and not res.executed


def test_killed_suite_resumes_with_only_the_missing_runs(toy_tasks, tmp_path):
    db = tmp_path / "r.db"
    seen = []

    def kill_after_5(kind, **info):
        if kind == "run_end":
            seen.append(info["spec"])
            if len(seen) == 5:
                raise KeyboardInterrupt  # what Ctrl-C or a kill between runs looks like to the runner

    with pytest.raises(KeyboardInterrupt):
        run_suite(_cfg(), db, on_event=kill_after_5)
    assert _calls(toy_tasks) == 5
    for t in toy_tasks.values():
        t.calls.clear()
    res = run_suite(_cfg(), db)
    rerun = {(t.name, a, s) for t in toy_tasks.values() for a, s in t.calls}
    assert len(rerun) == 7 and len(res.executed) == 7 and len(res.skipped) == 5
    assert rerun.isdisjoint({(s.task, s.act, s.seed) for s in seen})
    with RunStore(db) as s:
        assert len(s.runs()) == 12


def test_diverged_run_is_recorded_and_the_suite_continues(toy_tasks, tmp_path):
    db = tmp_path / "r.db"
    res = run_suite(_cfg(), db)
    assert {(d.task, d.act) for d in res.diverged} == {("toy_b", "tanh")}
    with RunStore(db) as s:
        div = [r for r in s.runs() if r["status"] == "diverged"]
        assert len(div) == 2 and all(r["diverged"] and r["value"] is None for r in div)
        # runs after the diverged ones still happened
        assert len([r for r in s.runs() if r["status"] == "ok"]) == 10
    # diverged runs count as done: not retried
    assert not run_suite(_cfg(), db).executed


def test_crashing_run_is_recorded_as_error_and_retried_next_time(toy_tasks, tmp_path):
    toy_tasks["toy_a"].crash_on = ("gelu",)
    db = tmp_path / "r.db"
    res = run_suite(_cfg(), db)
    assert len(res.errors) == 2 and "toy crash" in res.errors[0][1] and len(res.executed) == 10
    toy_tasks["toy_a"].crash_on = ()
    res2 = run_suite(_cfg(), db)
    assert {(s.task, s.act) for s in res2.executed} == {("toy_a", "gelu")}


def test_unwritable_db_path_fails_before_any_training(toy_tasks, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with pytest.raises(ConfigError, match="database path"):
        run_suite(_cfg(), blocker / "sub" / "r.db")
    assert _calls(toy_tasks) == 0


def test_unwritable_report_dir_fails_before_any_training(toy_tasks, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="output directory"):
        run_suite(_cfg(), tmp_path / "r.db", outputs=[blocker / "report"])
    assert _calls(toy_tasks) == 0 and not (tmp_path / "r.db").exists()


def test_unknown_names_fail_before_any_training(toy_tasks, tmp_path):
    with pytest.raises(UnknownNameError):
        run_suite(_cfg(acts=["relu", "sliu"]), tmp_path / "r.db")
    with pytest.raises(UnknownNameError):
        run_suite(_cfg(tasks=["toy_a", "toy_c"]), tmp_path / "r.db")
    assert _calls(toy_tasks) == 0


def test_relative_step_time_is_against_relu_on_the_same_task_and_seed(toy_tasks, tmp_path):
    db = tmp_path / "r.db"
    run_suite(_cfg(), db)
    with RunStore(db) as s:
        runs = s.runs()
    by = {(r["task"], r["act"], r["seed"]): r for r in runs}
    for (t, a, k), r in by.items():
        assert r["rel_step_time"] == pytest.approx(r["step_time"] / by[(t, "relu", k)]["step_time"])


def test_runs_are_deterministic_given_their_seed(toy_tasks, tmp_path):
    run_suite(_cfg(), tmp_path / "a.db")
    run_suite(_cfg(), tmp_path / "b.db")
    with RunStore(tmp_path / "a.db") as a, RunStore(tmp_path / "b.db") as b:
        va = [(r["key"], r["value"]) for r in a.runs()]
        vb = [(r["key"], r["value"]) for r in b.runs()]
    assert va == vb


def test_plan_orders_task_then_seed_then_activation():
    cfg = make_config({"acts": ["relu", "gelu"], "tasks": ["x", "y"], "seeds": 2})
    assert [(r.task, r.seed, r.act) for r in plan(cfg)][:4] == [("x", 0, "relu"), ("x", 0, "gelu"),
                                                               ("x", 1, "relu"), ("x", 1, "gelu")]


def test_in_process_backend_gives_the_same_results(toy_tasks, tmp_path):
    backends = pytest.importorskip("actlab.bench.backends")
    run_suite(_cfg(), tmp_path / "a.db")
    run_suite(_cfg(), tmp_path / "b.db", backend=backends.get_backend("local"))
    with RunStore(tmp_path / "a.db") as a, RunStore(tmp_path / "b.db") as b:
        assert [(r["key"], r["value"], r["status"]) for r in a.runs()] == \
            [(r["key"], r["value"], r["status"]) for r in b.runs()]
