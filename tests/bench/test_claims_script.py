"""benchmarks/claims.py reads one suite of a database and says what it covers and which runs are missing."""
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def claims(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import claims as mod

    yield mod
    sys.modules.pop("claims", None)


CFG = {"acts": ["relu", "silu"], "tasks": ["a", "b"], "seeds": [0, 1]}


def _run(task, act, seed, status="ok"):
    return {"task": task, "act": act, "seed": seed, "status": status}


def test_a_complete_suite_reports_every_run_finished(claims):
    runs = [_run(t, a, s) for t in CFG["tasks"] for a in CFG["acts"] for s in CFG["seeds"]]
    runs[0]["status"] = "diverged"  # a diverged run is a finished run
    text, done, planned = claims.coverage(CFG, runs)
    assert (done, planned) == (8, 8) and "all 8" in text


def test_missing_and_errored_runs_are_counted_per_task(claims):
    runs = [_run("a", a, s) for a in CFG["acts"] for s in CFG["seeds"]] + [_run("b", "relu", 0),
                                                                           _run("b", "silu", 0, "error")]
    text, done, planned = claims.coverage(CFG, runs)
    assert (done, planned) == (5, 8)
    assert "missing 3" in text and "b 3" in text and "a " not in text.split("(")[1]


def test_the_latest_suite_of_a_name_is_picked(claims):
    suites = [{"id": 1, "name": "standard", "config": {}}, {"id": 2, "name": "quick", "config": {}},
              {"id": 3, "name": "standard", "config": "{\"seeds\": [0]}"}]
    assert claims.pick_suite(suites, "standard")["id"] == 3
    assert claims.pick_suite(suites, "standard")["config"] == {"seeds": [0]}
    assert claims.pick_suite(suites, None)["id"] == 3
    with pytest.raises(SystemExit, match="quick, standard"):
        claims.pick_suite(suites, "fidelity")
