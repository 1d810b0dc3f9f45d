"""Intervals in the report and the terminal: cut at the metric's range (and said so); one seed reads (n=1) in both."""
from __future__ import annotations

import math

import pytest
from rich.console import Console
from scipy import stats as sst

from actlab.bench import stats
from actlab.cli.bench import ranking_table
from actlab.report.html import write_report
from actlab.store.runs import RunStore


def _record(db, values: dict[str, list[float]], metric: str = "accuracy", hib: bool = True):
    with RunStore(db) as s:
        for act, vals in values.items():
            for seed, v in enumerate(vals):
                s.record_run("digits_mlp", act, seed, {}, {"metric": metric, "value": v, "higher_is_better": hib,
                                                          "diverged": False, "step_time": 1e-3, "curve": [v]})
    return db


def _terminal(db) -> str:
    con = Console(record=True, width=200)
    con.print(ranking_table(db))
    return " ".join(con.export_text().split())  # the caption wraps at the table's width


def test_accuracy_interval_over_two_seeds_is_cut_at_one_and_says_so(tmp_path):
    db = _record(tmp_path / "a.db", {"relu": [0.95, 0.99], "gelu": [0.90, 0.91]})
    with RunStore(db) as s:
        sums = {x.act: x for x in stats.summarize(s.runs())}
    raw = sst.t.interval(0.95, 1, loc=0.97, scale=sst.sem([0.95, 0.99]))  # independent: scipy's t interval
    assert raw[1] > 1.0 and raw[0] > 0.0  # the uncut interval reaches accuracies above 1
    relu = sums["relu"]
    assert relu.clipped and relu.t_hi == 1.0 and relu.t_lo == pytest.approx(raw[0])
    assert 0.0 <= relu.boot_lo <= relu.boot_hi <= 1.0
    gelu = sums["gelu"]
    assert not gelu.clipped and gelu.t_hi == pytest.approx(sst.t.interval(0.95, 1, 0.905, 0.005)[1])
    html = write_report(db, tmp_path / "rep").read_text()
    assert f"[{relu.t_lo:.4g}, 1] †" in html and "cut at the metric&#39;s range (accuracy in [0, 1])" in html
    out = _terminal(db)
    assert f"[{relu.t_lo:.3g}, 1] †" in out and "cut at the metric's range (accuracy in [0, 1])" in out


def test_rmse_interval_is_cut_at_zero():
    runs = [{"task": "t", "act": "a", "seed": i, "metric": "rmse", "value": v, "higher_is_better": False}
            for i, v in enumerate([0.01, 0.30])]
    (s,) = stats.summarize(runs)
    assert s.clipped and s.t_lo == 0.0 and s.t_hi > 0.3


def test_one_seed_reads_n1_in_the_html_and_the_terminal(tmp_path):
    db = _record(tmp_path / "b.db", {"relu": [0.9], "gelu": [0.8, 0.85]})
    html = write_report(db, tmp_path / "rep").read_text()
    assert "∞" not in html and "0.9 (n=1)" in html  # ranking cell: mean and (n=1), as the terminal prints it
    assert "<td>(n=1)</td><td>(n=1)</td>" in html  # the task table's t and bootstrap columns
    assert "0.9 (n=1)" in _terminal(db)
    assert math.isinf(stats.t_interval([0.9]).hi)  # the statistic itself still says "no spread"
