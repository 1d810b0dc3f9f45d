"""`actlab report` over several databases: bench runs merged, the arithmetic and search results shown as their
commands show them (success with Wilson intervals; best candidates with formula, value, cost), no raw dumps."""
from __future__ import annotations

import math
import re

from typer.testing import CliRunner

from actlab.arith import run as arith_run
from actlab.cli.main import app
from actlab.report.html import write_report
from actlab.search.expression import SwishSpace
from actlab.search.runner import run_search
from actlab.store.runs import RunStore


def _bench(db, act, value):
    with RunStore(db) as s:
        s.add_suite("mine", {})
        for seed in (0, 1):
            s.record_run("digits_mlp", act, seed, {}, {"metric": "accuracy", "value": value + 0.01 * seed,
                                                       "higher_is_better": True, "diverged": False, "step_time": 1e-3,
                                                       "curve": [0.5, value]})


def _wilson(k, n, z=1.959963984540054):  # closed form (Wilson 1927)
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


def test_report_merges_bench_databases_and_shows_arith_and_search_sections(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    _bench(runs / "bench.db", "relu", 0.90)
    _bench(tmp_path / "other.db", "gelu", 0.92)
    rows = arith_run("sub", "nau", seeds=3, iterations=100, db=runs / "arith.db", input_size=2, subset_ratio=0.5,
                     overlap_ratio=0.0, eval_every=50, eval_size=100, ramp_scale=1e-3)
    run_search(SwishSpace.from_grammar("unary: x, relu, tanh; binary: add, mul, max; units: 1"), "exhaustive",
               "target:relu", budget=16, seed=0, db=runs / "search.db")
    html = write_report([runs, tmp_path / "other.db"], tmp_path / "rep").read_text()
    ranking = re.search(r'<table id="ranking-table">.*?</table>', html, re.S).group(0)
    assert "relu" in ranking and "gelu" in ranking  # both bench databases, one ranking
    arith = re.search(r'<table class="arith-table">.*?</table>', html, re.S).group(0)
    (r,) = rows
    lo, hi = _wilson(r["solved"], 3)
    assert f"{100 * r['success_rate']:.0f}%" in arith and f"{100 * lo:.0f}%–{100 * hi:.0f}%" in arith
    assert 'src="figures/arith_success_arith.png"' in html
    search = re.search(r'<table class="search-table">.*?</table>', html, re.S).group(0)
    assert "Max(0, x)" in search and "0.0000" in search  # relu itself, at distance 0 from the target
    assert "created" not in html and '"genome"' not in html and "1.7e+09" not in html  # no raw dumps
    assert 'data-table="arith_seeds"' not in html and 'data-table="candidates"' not in html
    res = CliRunner().invoke(app, ["report", "--db", str(runs / "bench.db"), "--db", str(runs / "search.db"),
                                   "-o", str(tmp_path / "rep2")])
    assert res.exit_code == 0, res.output
    assert "Max(0, x)" in (tmp_path / "rep2" / "index.html").read_text()
