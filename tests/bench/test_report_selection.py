"""Suite options that must reach the output, baseline runs from earlier suites, and selections that must be
refused (found by an end-to-end audit)."""
import io

import pytest
from rich.console import Console

from actlab.bench.config import load_file
from actlab.bench.runner import check_writable
from actlab.cli.bench import ranking_table
from actlab.core.errors import ConfigError, ParameterError, UnknownNameError
from actlab.report.html import write_report
from actlab.store.runs import RunStore, run_key


def res(v):
    return {"metric": "accuracy", "value": v, "higher_is_better": True, "curve": [v], "step_time": 0.01}


def make_db(path, gelu_delta=0.002):
    with RunStore(path) as s:
        keys = []
        for seed in (0, 1, 2):
            s.record_run("xor", "relu", seed, {}, res(0.90 + 0.01 * seed))
            keys.append(run_key("xor", "relu", seed, {}))
        first = s.add_suite("first", {}, keys)
        keys = []
        for seed in (0, 1, 2):
            s.record_run("xor", "gelu", seed, {}, res(0.90 + 0.01 * seed + gelu_delta))
            keys.append(run_key("xor", "gelu", seed, {}))
        second = s.add_suite("second", {}, keys)
    return first, second


def text(table):
    buf = io.StringIO()
    Console(file=buf, width=200).print(table)
    return buf.getvalue()


def test_tie_tolerance_and_earlier_baseline_runs_reach_the_ranking(tmp_path):
    db = tmp_path / "b.db"
    _, second = make_db(db)
    strict = text(ranking_table(db, second, baseline="relu"))
    loose = text(ranking_table(db, second, baseline="relu", tie_tol=0.5))
    assert "3/0/0" in strict  # gelu is 0.002 better on each seed, and relu's runs come from the first suite
    assert "0/3/0" in loose


def test_report_uses_earlier_baseline_runs_and_tie_tolerance(tmp_path):
    db = tmp_path / "b.db"
    _, second = make_db(db)
    html = write_report(db, tmp_path / "rep", suite_id=second, tie_tol=0.5).read_text()
    assert "No runs of the baseline" not in html
    assert "<td>0</td><td>3</td>" in html.replace("\n", "").replace("  ", "")  # win, tie (loss follows)


def test_report_refuses_unknown_suite_and_baseline(tmp_path):
    db = tmp_path / "b.db"
    make_db(db)
    with pytest.raises(ConfigError, match="suite ids: 1, 2"):
        write_report(db, tmp_path / "r1", suite_id=999)
    with pytest.raises(UnknownNameError, match="relu"):
        write_report(db, tmp_path / "r2", baseline="rleu")


def test_one_seed_shows_n_not_nan(tmp_path):
    db = tmp_path / "one.db"
    with RunStore(db) as s:
        s.record_run("xor", "relu", 0, {}, res(0.9))
    out = text(ranking_table(db))
    assert "nan" not in out and "(n=1)" in out


@pytest.mark.parametrize("body,match", [("- relu\n", "mapping"), ("just a string\n", "mapping"),
                                        ("acts: [relu]\ntasks: [xor]\nseeds: [-5, 0]\n", "seeds")])
def test_suite_files_with_a_wrong_shape_or_negative_seeds_are_config_errors(tmp_path, body, match):
    f = tmp_path / "s.yaml"
    f.write_text(body)
    with pytest.raises(ConfigError, match=match):
        load_file(f)


def test_database_path_that_is_a_directory_and_unknown_figure_format(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        check_writable(tmp_path, "database path")
    from actlab.report.curves import plot_curves

    with pytest.raises(ParameterError, match="unknown format 'jpgx'"):
        plot_curves(["gelu"], tmp_path / "p.jpgx")
