"""A store write that fails mid-suite (disk full, read-only, locked) is one error line naming the database, how
many runs it holds and that re-running resumes; the CLI exits non-zero; re-running resumes."""
from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys

import pytest

import actlab.store.db as dbmod
from actlab.bench.config import make_config
from actlab.bench.runner import run_suite
from actlab.store.db import StoreWriteError

SUITE = {"acts": ["relu", "tanh"], "tasks": ["toy_a"], "seeds": [0, 1], "budget": {"epochs": 1}}


def _fail_after_first_run(break_it):
    """on_event hook: break the store once, right after the first run is recorded."""
    state = {"done": 0}

    def on_event(kind, **info):
        if kind == "run_end":
            state["done"] += 1
            if state["done"] == 1:
                break_it()
    return on_event


def _check_message(msg: str, db, cause: str) -> None:
    assert "\n" not in msg and str(db) in msg and cause in msg
    assert "It holds 1 finished runs" in msg and "re-run the same command: it resumes" in msg


@pytest.fixture
def lock_holder():
    cons = []

    def hold(db):
        con = sqlite3.connect(db, timeout=0, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        cons.append(con)
    yield hold
    for con in cons:
        con.close()


def test_a_lock_held_past_the_timeout_mid_suite_is_one_clear_error_and_rerun_resumes(toy_tasks, tmp_path,
                                                                                      monkeypatch, lock_holder):
    monkeypatch.setattr(dbmod, "TIMEOUT_S", 0.2)
    db = tmp_path / "l.db"
    with pytest.raises(StoreWriteError) as e:
        run_suite(make_config(SUITE), db, on_event=_fail_after_first_run(lambda: lock_holder(db)))
    _check_message(str(e.value), db, "another process held a lock on it past the 0.2 s timeout")


def test_cli_prints_one_line_and_exits_non_zero_on_a_locked_database(toy_tasks, tmp_path, monkeypatch, capsys,
                                                                       lock_holder):
    from actlab.cli.main import main

    monkeypatch.setattr(dbmod, "TIMEOUT_S", 0.2)
    db = tmp_path / "c.db"
    run_suite(make_config({**SUITE, "acts": ["relu"], "seeds": [0]}), db)
    lock_holder(db)
    monkeypatch.setattr(sys, "argv", ["actlab", "bench", "--db", str(db), "--acts", "relu,tanh", "--tasks", "toy_a",
                                      "--seeds", "2"])
    with pytest.raises(SystemExit) as ex:
        main()
    assert ex.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot write to the database") and "\n" not in err and "Traceback" not in err
    _check_message(err.removeprefix("error: "), db, "lock")


@contextlib.contextmanager
def _tiny_tmpfs(where, size="300k"):
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and mount to build a tiny tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder):
    with contextlib.suppress(OSError), open(folder / "filler", "wb") as f:  # until ENOSPC (close flushes too)
        while True:
            f.write(b"\0" * 4096)
            f.flush()


def test_a_full_disk_mid_suite_is_one_clear_error_and_rerun_resumes(toy_tasks, tmp_path):
    with _tiny_tmpfs(tmp_path / "mnt") as mnt:
        db = mnt / "f.db"
        with pytest.raises(StoreWriteError) as e:
            run_suite(make_config(SUITE), db, on_event=_fail_after_first_run(lambda: _fill(mnt)))
        _check_message(str(e.value), db, "the disk is full")
        (mnt / "filler").unlink()
        res = run_suite(make_config(SUITE), db)
        assert len(res.skipped) == 1 and len(res.executed) == 3  # the database stayed consistent: it resumes


def test_a_database_on_a_read_only_filesystem_is_one_clear_error(toy_tasks, tmp_path):
    with _tiny_tmpfs(tmp_path / "ro", size="4m") as mnt:
        db = mnt / "r.db"
        run_suite(make_config({**SUITE, "acts": ["relu"], "seeds": [0]}), db)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)  # no connection open now
        with pytest.raises(StoreWriteError) as e:
            run_suite(make_config(SUITE), db)
        _check_message(str(e.value), db, "read-only")


def test_arith_and_search_stores_report_write_failures_the_same_way(tmp_path, monkeypatch, lock_holder):
    from actlab.store.arith import ArithStore
    from actlab.store.candidates import CandidateStore

    monkeypatch.setattr(dbmod, "TIMEOUT_S", 0.1)
    a = ArithStore(tmp_path / "a.db")
    rid = a.run_id("add", "nau", {"x": 1})
    a.save_seeds(rid, [{"seed": 0, "success": 1, "diverged": 0}])
    lock_holder(tmp_path / "a.db")
    with pytest.raises(StoreWriteError, match=r"a\.db: another process held a lock.*It holds 1 finished arithmetic "
                                              r"seeds.*re-run the same command"):
        a.save_seeds(rid, [{"seed": 1, "success": 0, "diverged": 0}])
    a.close()
    c = CandidateStore(tmp_path / "s.db", "swish", {"k": 1})
    lock_holder(tmp_path / "s.db")
    with pytest.raises(StoreWriteError, match=r"s\.db: .*It holds 0 evaluated candidates"):
        c.add(0, ["x"], "x", "h0", "random")
    c.con.close()
