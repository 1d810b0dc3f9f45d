"""kill -9 in the middle of a search, rerun the same command: it resumes and ends where an uninterrupted run ends."""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

from actlab.search.expression import SwishSpace
from actlab.search.runner import population_from_db, run_search

BUDGET, SEED = 30, 3


def _cmd(db, grammar):
    return [sys.executable, "-c", "from actlab.cli.main import main; main()", "search", "--space", "swish", "--grammar", grammar,
            "--strategy", "evolution", "--task", "target:silu", "--budget", str(BUDGET), "--seed", str(SEED),
            "--db", str(db), "--population", "8", "--sample", "3"]


def _finished(db):
    try:
        con = sqlite3.connect(db, timeout=5)
        rows = con.execute("SELECT idx, finished_at, status FROM candidates WHERE status != 'pending'").fetchall()
        con.close()
        return rows
    except sqlite3.OperationalError:  # not created yet
        return []


def test_killed_search_resumes_to_the_same_population_as_an_uninterrupted_run(tmp_path, small_grammar):
    db = tmp_path / "search.db"
    env = {**os.environ, "COLUMNS": "200", "ACTLAB_SEARCH_EVAL_DELAY": "0.12"}
    proc = subprocess.Popen(_cmd(db, small_grammar), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while len(_finished(db)) < 10 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    before = {idx: t for idx, t, status in _finished(db) if status != "duplicate"}
    assert 10 <= len(_finished(db)) < BUDGET

    env["ACTLAB_SEARCH_EVAL_DELAY"] = "0"
    out = subprocess.run(_cmd(db, small_grammar), env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r"(\d+) evaluated now, (\d+) reused", out.stdout)
    assert m, out.stdout[-2000:]
    evaluated_now, reused = int(m.group(1)), int(m.group(2))

    con = sqlite3.connect(db)
    rows = con.execute("SELECT idx, finished_at, status FROM candidates ORDER BY idx").fetchall()
    con.close()
    assert len(rows) == BUDGET and all(status != "pending" for _, _, status in rows)
    # results stored before the kill were reused, untouched; only the rest (in flight or new) was evaluated
    assert all(dict((i, t) for i, t, _ in rows)[i] == t for i, t in before.items())
    nondup = sum(status != "duplicate" for _, _, status in rows)
    assert reused == len(before) and evaluated_now == nondup - len(before)

    # the same search, never interrupted, in this process
    space = SwishSpace.from_grammar(small_grammar)
    ref = run_search(space, "evolution", "target:silu", budget=BUDGET, seed=SEED,
                     strategy_options={"population": 8, "sample": 3, "select": "best"})
    resumed = population_from_db(db)
    assert [(r["idx"], r["genome"], r["value"]) for r in resumed] == \
        [(r["idx"], r["genome"], r["value"]) for r in ref.population]
    assert len(resumed) == 8
