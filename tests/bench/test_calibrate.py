"""`actlab tasks` times: the calibration (a few steps of the task's own run, extrapolated) against a real
`actlab bench` run at the same budget, its cache (hits do not re-measure; a changed code hash does), and the CLI."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

import actlab.bench.calibrate as calibrate_mod
from actlab.bench.calibrate import TimeCache, cached, calibrate
from actlab.cli.main import app
from actlab.store.runs import RunStore
from actlab.tasks import get_task

ENV = {"COLUMNS": "200"}


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ACTLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize("name", ["digits_mlp", "xor"])
def test_estimate_is_within_3x_of_a_real_bench_run(name, tmp_path, cache_env):
    db = tmp_path / "b.db"
    r = CliRunner().invoke(app, ["bench", "--acts", "relu", "--tasks", name, "--small", "--seeds", "1",
                                 "--db", str(db)], env=ENV)
    assert r.exit_code == 0, r.output
    with RunStore(db) as s:
        (run,) = s.runs()
    actual = float(run["wall_time"])
    cal, new = calibrate(get_task(name), small=True, steps=20)
    assert new and cal.measured_steps == 20 < cal.total_steps  # a real extrapolation, not the whole run
    assert cal.total_steps == get_task(name).run("relu", 1, small=True)["n_steps"]  # the loop's own count
    assert 1 / 3 <= cal.seconds / actual <= 3, (cal.seconds, actual, cal)
    out = CliRunner().invoke(app, ["tasks", "--tasks", name, "--db", str(db)], env=ENV).output
    row = next(ln for ln in out.splitlines() if ln.startswith(f"│ {name}"))
    assert row.rstrip(" │").endswith("(n=1)")  # the measured mean wins over the estimate for the small budget


def test_cache_hit_does_not_measure_again_and_a_changed_code_hash_does(cache_env, monkeypatch):
    calls = []
    real = calibrate_mod.measure
    monkeypatch.setattr(calibrate_mod, "measure", lambda *a, **k: calls.append(a) or real(*a, **k))
    task = get_task("xor")
    first, new1 = calibrate(task, small=True, steps=4)
    again, new2 = calibrate(task, small=True, steps=4)
    assert (new1, new2) == (True, False) and len(calls) == 1 and again == first
    assert (cache_env / calibrate_mod.CACHE_FILE).is_file()
    import actlab.tasks.codehash as ch

    monkeypatch.setattr(ch, "code_hash", lambda fns: "edited")  # the task's code changed
    assert cached(task, True) is None
    _, new3 = calibrate(task, small=True, steps=4)
    assert new3 and len(calls) == 2


def test_cache_key_follows_threads_and_budget(cache_env):
    task = get_task("xor")
    calibrate(task, small=True, steps=4)
    assert cached(task, True) is not None
    assert cached(task, True, threads=2) is None and cached(task, False) is None


def test_damaged_cache_file_counts_as_empty(tmp_path):
    p = tmp_path / "t.json"
    p.write_text("{not json")
    assert TimeCache(p).get("x") is None


def test_tasks_measure_fills_the_listing_and_a_second_measure_uses_the_cache(cache_env, tmp_path):
    r = CliRunner().invoke(app, ["tasks", "--measure", "--tasks", "xor", "--steps", "4",
                                 "--db", str(tmp_path / "none.db")], env=ENV)
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if ln.startswith("│ xor"))
    est = cached(get_task("xor"), False).seconds
    assert f"≈{est:.1f} s" in line
    r2 = CliRunner().invoke(app, ["tasks", "--tasks", "xor", "--db", str(tmp_path / "none.db")], env=ENV)
    assert "≈" in r2.output
    r3 = CliRunner().invoke(app, ["tasks", "--measure", "--tasks", "xor", "--steps", "4"], env=ENV)
    assert "cached" in r3.output


def test_unknown_task_gets_close_matches(cache_env):
    r = CliRunner().invoke(app, ["tasks", "--measure", "--tasks", "digts_mlp"], env=ENV)
    assert r.exit_code != 0
    assert "digits_mlp" in str(r.exception) + r.output


def test_tasks_needing_a_data_dir_are_skipped_with_a_note(cache_env, monkeypatch):
    monkeypatch.delenv("ACTLAB_DATA", raising=False)
    r = CliRunner().invoke(app, ["tasks", "--measure", "--tasks", "cifar10_vit,xor", "--steps", "3"], env=ENV)
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "cifar10_vit: skipped" in out and "--data-dir" in out and "xor (full)" in out
