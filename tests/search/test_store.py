"""Bad inputs around the store and the driver give clear errors, and nothing is overwritten silently."""
import sqlite3

import pytest

from actlab.core.errors import ConfigError
from actlab.search.runner import run_search


def test_budget_zero_is_refused():
    with pytest.raises(ConfigError, match="budget"):
        run_search("swish", "random", "target:silu", budget=0)


def test_missing_database_directory_is_named(tmp_path):
    db = tmp_path / "nope" / "search.db"
    with pytest.raises(ConfigError, match="nope"):
        run_search("swish", "random", "target:silu", budget=2, db=db)
    assert not db.parent.exists()


def test_database_from_another_space_is_refused(tmp_path):
    db = tmp_path / "s.db"
    run_search("correction", "random", "target:crrelu", budget=3, db=db)
    with pytest.raises(ConfigError, match="space 'correction', not 'swish'"):
        run_search("swish", "random", "target:silu", budget=3, db=db)


def test_database_with_other_settings_is_refused_naming_the_difference(tmp_path):
    db = tmp_path / "s.db"
    run_search("swish", "random", "target:silu", budget=3, seed=0, db=db)
    with pytest.raises(ConfigError, match="seed: stored 0, given 1"):
        run_search("swish", "random", "target:silu", budget=3, seed=1, db=db)


def _snapshot(db):
    con = sqlite3.connect(db)
    try:
        return (con.execute("SELECT * FROM candidates ORDER BY idx").fetchall(),
                con.execute("SELECT * FROM search_meta ORDER BY key").fetchall())
    finally:
        con.close()


def test_rerunning_a_finished_search_returns_the_stored_result_without_evaluating(tmp_path):
    db = tmp_path / "s.db"
    first = run_search("swish", "random", "target:silu", budget=4, seed=0, db=db)
    before = _snapshot(db)
    again = run_search("swish", "random", "target:silu", budget=4, seed=0, db=db)
    assert again.replayed and not first.replayed
    assert again.evaluated == 0 and again.reused == first.evaluated
    assert [(r["genome"], r["status"], r["value"]) for r in again.rows] == \
        [(r["genome"], r["status"], r["value"]) for r in first.rows]
    assert [r["idx"] for r in again.population] == [r["idx"] for r in first.population]
    assert _snapshot(db) == before  # nothing was written: not even the state flag
    forced = run_search("swish", "random", "target:silu", budget=4, seed=0, db=db, force=True)
    assert not forced.replayed and forced.evaluated == first.evaluated
    assert [r["genome"] for r in forced.rows] == [r["genome"] for r in first.rows]


def test_a_smaller_budget_than_the_stored_search_is_refused_naming_both(tmp_path):
    db = tmp_path / "s.db"
    run_search("swish", "random", "target:silu", budget=4, seed=0, db=db)
    with pytest.raises(ConfigError, match="4 candidates, more than the budget of 3.*run with \\(4\\)"):
        run_search("swish", "random", "target:silu", budget=3, seed=0, db=db)


def test_larger_budget_extends_a_finished_search_reusing_stored_rows(tmp_path):
    db = tmp_path / "s.db"
    run_search("swish", "random", "target:silu", budget=4, seed=0, db=db)
    more = run_search("swish", "random", "target:silu", budget=7, seed=0, db=db)
    assert len(more.rows) == 7 and more.evaluated <= 3 and more.reused >= 1


def test_store_rows_hold_form_hash_status_metrics_and_timestamps(tmp_path):
    db = tmp_path / "s.db"
    run_search("swish", "random", "target:silu", budget=5, seed=0, db=db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    rows = con.execute("SELECT canonical, hash, status, metrics, cost, created_at, finished_at FROM candidates"
                       ).fetchall()
    assert len(rows) == 5
    for canonical, h, status, metrics, cost, t0, t1 in rows:
        assert canonical and len(h) == 16 and status in ("done", "rejected", "failed", "duplicate")
        assert t0 is not None and (t1 is not None or status == "duplicate")
        if status == "done":
            assert metrics.startswith("{") and cost is not None


def test_non_database_file_is_a_clear_error(tmp_path):
    db = tmp_path / "s.db"
    db.write_text("not sqlite at all, just text " * 100)
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        run_search("swish", "random", "target:silu", budget=2, db=db)
