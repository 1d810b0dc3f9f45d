"""The static HTML report: tables, figures on disk, extra sections, and no network references."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from actlab.core.errors import ConfigError
from actlab.report.html import write_report


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.ids, self.srcs = [], set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a["src"])
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("src", "href"):
            if k in a:
                self.srcs.append(a[k])




@pytest.fixture(scope="module")
def built(report_index) -> tuple[Path, str, _Collect]:
    index = report_index
    html = index.read_text()
    p = _Collect()
    p.feed(html)
    return index, html, p


def test_task_tables_show_flops_throughput_and_device_beside_the_metric(built):
    _, html, _ = built
    assert "MFLOPs / example" in html and "throughput (ex/s)" in html
    assert "<td>4.5</td><td>4,321</td>" in html            # tanh (i = 3): 1.5e6 × 4 FLOPs, 4321 ex/s
    assert '<td>cpu (TestCPU)</td>' in html  # a plain cell: the Pareto mark (td.name::after) is for activations


def test_report_has_ranking_paired_claims_and_task_sections(built):
    _, html, p = built
    assert {"glance-table", "ranking-table", "paired-table", "claims-table"} <= p.ids
    for act in ("relu", "gelu", "silu", "tanh"):
        assert f'<td class="name">{act}</td>' in html
    assert "digits_mlp" in html and "fit_toy" in html and "lower is better" in html
    # gelu vs silu is measured on both tasks, so the claim is not "not measured"
    assert re.search(r"GELU and SiLU.*?</tr>", html, re.S).group(0).count("not measured") == 0


def test_every_image_exists_as_a_png(built):
    index, _, p = built
    # 2 tasks × (bars, curves, cost) + one curve/derivative figure per activation
    assert len(p.imgs) == 2 * 3 + 4
    for src in p.imgs:
        f = index.parent / src
        assert f.is_file() and f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


def test_report_references_nothing_on_the_network(built):
    _, html, p = built
    assert not [s for s in p.srcs if re.match(r"(https?:)?//", s)]
    assert "<script" not in html


def test_other_areas_tables_get_a_generic_section(built):
    _, html, _ = built
    assert 'data-table="arith_results"' in html and "Arithmetic units" in html
    assert "<td>nau</td>" in html and "<td>0.9</td>" in html
    assert "arith_checkpoints" not in html  # binary resume state is not a result


def test_diverged_runs_are_counted_in_the_report(built):
    _, html, _ = built
    assert "1 diverged" in html


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        write_report(tmp_path / "nope.db", tmp_path / "rep")
    assert not (tmp_path / "nope.db").exists()


def test_report_of_another_areas_database_adds_no_tables_to_it(tmp_path):
    from actlab.store.db import connect

    db = tmp_path / "search.db"
    con = connect(db, "CREATE TABLE candidates (idx INTEGER PRIMARY KEY, canonical TEXT, value REAL);")
    with con:
        con.execute("INSERT INTO candidates VALUES (0, 'x*sigmoid(x)', 0.97)")
    con.close()
    html = write_report(db, tmp_path / "rep").read_text()
    assert 'id="no-runs"' in html and 'data-table="candidates"' in html and "x*sigmoid(x)" in html
    con = connect(db)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert tables == {"candidates"}


def test_at_a_glance_names_the_best_activation_per_task(built):
    _, html, _ = built
    table = re.search(r'<table id="glance-table">.*?</table>', html, re.S).group(0)
    # conftest: accuracy rises with the activation index (tanh best), rmse falls with it (tanh best as well)
    rows = re.findall(r'<tr><td class="name">(\w+)</td><td class="name">(\w+)</td>', table)
    assert dict(rows) == {"digits_mlp": "tanh", "fit_toy": "tanh"}


def test_report_survives_all_diverged_one_seed_and_failed_runs(tmp_path):
    import math

    from actlab.store.runs import RunStore

    with RunStore(tmp_path / "e.db") as s:
        for act in ("relu", "tanh"):
            div = act == "tanh"
            s.record_run("t1", act, 0, {}, {"metric": "accuracy", "value": math.nan if div else 0.9,
                                             "higher_is_better": True, "diverged": div, "step_time": 1e-3,
                                             "curve": [math.nan] if div else [0.5, 0.9]})
        s.record_run("t2", "relu", 0, {}, None, error="RuntimeError: boom")
    html = write_report(tmp_path / "e.db", tmp_path / "rep").read_text()
    assert 'id="errors"' in html and "RuntimeError: boom" in html
    assert "1 diverged, 1 failed" in html
