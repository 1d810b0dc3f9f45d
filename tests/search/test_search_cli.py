"""`actlab search`, `search-report` and `search-promote` through the Typer app."""
import runpy

import pytest
from typer.testing import CliRunner

import actlab
from actlab.cli.main import app
from actlab.core.errors import ConfigError
from actlab.search.runner import load_search

runner = CliRunner()
GRAMMAR = "unary: x, sigmoid, tanh, relu; binary: mul, add, max; units: 1"


@pytest.fixture(scope="module")
def search_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "s.db"
    r = runner.invoke(app, ["search", "--space", "swish", "--grammar", GRAMMAR, "--strategy", "exhaustive",
                            "--task", "target:silu", "--budget", "60", "--db", str(db)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "space exhausted" in r.stdout and "x*sigmoid(x)" in r.stdout
    return db


def test_search_report_writes_top_functions_pareto_and_progress_figures(search_db, tmp_path):
    r = runner.invoke(app, ["search-report", "--db", str(search_db), "-o", str(tmp_path)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for name in ("top_functions.png", "pareto.png", "progress.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert "x*sigmoid(x)" in r.stdout


def test_search_promote_writes_a_module_that_registers_the_best_candidate(search_db, tmp_path):
    out = tmp_path / "found.py"
    r = runner.invoke(app, ["search-promote", "t_cli_found", "--db", str(search_db), "-o", str(out)])
    assert r.exit_code == 0, r.output
    runpy.run_path(str(out))
    import torch

    x = torch.linspace(-3, 3, 13)
    torch.testing.assert_close(actlab.create("t_cli_found")(x), torch.nn.functional.silu(x))


def test_search_promote_output_loads_through_the_import_option(search_db, tmp_path, monkeypatch):
    from actlab.core import plugins

    monkeypatch.setattr(plugins, "_LOADED", {})
    out = tmp_path / "found2.py"
    r = runner.invoke(app, ["search-promote", "t_cli_found2", "--db", str(search_db), "-o", str(out)])
    assert r.exit_code == 0 and "--import" in r.output, r.output
    r = runner.invoke(app, ["--import", str(out), "list"], env={"COLUMNS": "200"})
    assert r.exit_code == 0 and "t_cli_found2" in r.output, r.output
    import torch

    x = torch.linspace(-3, 3, 13)
    torch.testing.assert_close(actlab.create("t_cli_found2")(x), torch.nn.functional.silu(x))


def test_rerunning_a_finished_search_prints_the_stored_result_and_exits_0(search_db):
    r = runner.invoke(app, ["search", "--space", "swish", "--grammar", GRAMMAR, "--strategy", "exhaustive",
                            "--task", "target:silu", "--budget", "60", "--db", str(search_db)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert "already holds this finished search" in out and "x*sigmoid(x)" in out
    total = len(load_search(search_db)[2])
    assert f"{total} candidates in {search_db} (0 evaluated now" in out


def test_budget_zero_is_refused_before_anything_runs(tmp_path):
    r = runner.invoke(app, ["search", "--budget", "0", "--db", str(tmp_path / "x.db")])
    assert isinstance(r.exception, ConfigError) and "budget" in str(r.exception)
    assert not (tmp_path / "x.db").exists()


def test_search_tune_reports_beta_near_one_for_a_silu_target():
    r = runner.invoke(app, ["search-tune", "x*sigmoid(b0*x)", "--task", "target:silu", "--trials", "30",
                            "--low", "0.1", "--high", "3"])
    assert r.exit_code == 0, r.output
    beta = float(r.stdout.split("b0=")[1].split()[0])
    assert abs(beta - 1.0) < 0.15
