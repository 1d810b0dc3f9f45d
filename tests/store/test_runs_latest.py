"""A run stored under an earlier definition of an activation (another act_id, same task/options/seed) is replaced
by its re-run in what reports read, instead of counting as an extra seed."""
import time

from actlab.bench.stats import summarize
from actlab.store.runs import RunStore


def result(value):
    return {"metric": "accuracy", "value": value, "higher_is_better": True, "curve": [value]}


def test_reports_count_only_the_newest_run_of_each_seed(tmp_path):
    with RunStore(tmp_path / "r.db") as s:
        s.record_run("xor", "gelu", 0, {"epochs": 2}, result(0.5), act_id="old-definition")
        time.sleep(0.01)
        s.record_run("xor", "gelu", 0, {"epochs": 2}, result(0.9), act_id="new-definition")
        s.record_run("xor", "gelu", 1, {"epochs": 2}, result(0.8), act_id="new-definition")
        s.record_run("xor", "gelu", 1, {"epochs": 3}, result(0.7), act_id="new-definition")  # other options: kept
        latest = s.runs()
        everything = s.runs(latest=False)
    assert len(everything) == 4 and len(latest) == 3
    assert sorted((r["seed"], r["value"]) for r in latest if r["options"] == {"epochs": 2}) == [(0, 0.9), (1, 0.8)]
    (summary,) = [x for x in summarize(r for r in latest if r["options"] == {"epochs": 2})]
    assert summary.n == 2 and abs(summary.mean - 0.85) < 1e-12
