"""A suite process killed with SIGKILL mid-suite resumes from the database: only the missing runs execute."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from actlab.bench.config import make_config
from actlab.bench.runner import run_suite
from actlab.store.runs import RunStore

SUITE = {"acts": ["relu", "tanh", "gelu"], "tasks": ["digits_mlp"], "seeds": [0, 1, 2],
         "budget": {"epochs": 1, "batch_size": 256}}
CHILD = """
import json, sys
from actlab.bench.config import make_config
from actlab.bench.runner import run_suite
run_suite(make_config(json.loads(sys.argv[1])), sys.argv[2])
"""


def _count(db):
    if not db.exists():
        return 0
    with RunStore(db) as s:
        return len(s.runs())


# default run: ~3 s on an idle 2-core machine; the only end-to-end check that a kill -9 loses nothing recorded
def test_sigkilled_suite_resumes_with_only_the_missing_runs(tmp_path):
    db = tmp_path / "k.db"
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(SUITE), str(db)])
    deadline = time.monotonic() + 120
    while _count(db) < 2 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    done = _count(db)
    assert 2 <= done < 9, "the child must be killed mid-suite"
    res = run_suite(make_config(SUITE), db)
    assert len(res.skipped) == done and len(res.executed) == 9 - done
    assert _count(db) == 9
