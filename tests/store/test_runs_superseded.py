"""Re-runs keep their predecessors as superseded history: never done, never counted, migrated into old files."""
import sqlite3

from actlab.store.runs import RunStore, run_key


def result(value):
    return {"metric": "accuracy", "value": value, "higher_is_better": True, "curve": [value]}


def test_a_rerun_of_the_same_key_supersedes_the_old_row(tmp_path):
    with RunStore(tmp_path / "r.db") as s:
        s.record_run("xor", "pmish", 0, {}, result(0.5), act_id="v1", origin="/p/myacts.py")
        s.record_run("xor", "pmish", 0, {}, result(0.7), act_id="v1")  # --rerun
        assert [r["value"] for r in s.runs()] == [0.7]
        history = s.runs(latest=False)
        assert sorted((r["value"], r["superseded"]) for r in history) == [(0.5, 1), (0.7, 0)]
        assert s.done_keys() == {run_key("xor", "pmish", 0, {}, "v1")}
        assert [r["extra"].get("act_origin") for r in history if r["superseded"]] == ["/p/myacts.py"]


def test_a_new_definition_supersedes_the_old_ones_results_and_a_revert_runs_again(tmp_path):
    old, new = run_key("xor", "pmish", 0, {}, "v1"), run_key("xor", "pmish", 0, {}, "v2")
    with RunStore(tmp_path / "r.db") as s:
        s.record_run("xor", "pmish", 0, {}, result(0.5), act_id="v1")
        s.record_run("xor", "relu", 0, {}, result(0.6))
        s.record_run("xor", "pmish", 0, {}, result(0.8), act_id="v2")
        assert sorted((r["act"], r["value"]) for r in s.runs()) == [("pmish", 0.8), ("relu", 0.6)]
        # the old definition's key is no longer done: reverting the edit runs it again instead of showing nothing
        assert old not in s.done_keys() and new in s.done_keys()


def test_a_failed_attempt_of_a_new_definition_leaves_the_old_result_standing(tmp_path):
    with RunStore(tmp_path / "r.db") as s:
        s.record_run("xor", "pmish", 0, {}, result(0.5), act_id="v1")
        s.record_run("xor", "pmish", 0, {}, None, error="RuntimeError: boom", act_id="v2")
        assert run_key("xor", "pmish", 0, {}, "v1") in s.done_keys()
        assert {r["status"] for r in s.runs(latest=False)} == {"ok", "error"}


def test_a_database_written_before_the_column_gets_it(tmp_path):
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, task TEXT NOT "
                "NULL, options TEXT NOT NULL DEFAULT '{}', act TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT NOT "
                "NULL, metric TEXT, value REAL, higher_is_better INTEGER, diverged INTEGER NOT NULL DEFAULT 0, "
                "wall_time REAL, step_time REAL, rel_step_time REAL, params INTEGER, peak_mem REAL, epochs INTEGER, "
                "error TEXT, extra TEXT, created REAL NOT NULL)")
    con.execute("INSERT INTO runs(key, task, act, seed, status, value, created) "
                "VALUES ('xor|relu|0|{}', 'xor', 'relu', 0, 'ok', 0.9, 1.0)")
    con.commit()
    con.close()
    with RunStore(path, create=False) as ro:  # a report reads it without changing it
        assert [r["value"] for r in ro.runs()] == [0.9]
    with RunStore(path) as s:
        assert s.done_keys() == {"xor|relu|0|{}"}
        s.record_run("xor", "relu", 0, {}, result(0.95))
        assert [r["value"] for r in s.runs()] == [0.95]
