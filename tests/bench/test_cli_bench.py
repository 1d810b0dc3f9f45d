"""`actlab bench` and `actlab report` end to end on the toy tasks, and their one-line errors."""
from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from actlab.cli.main import app, main
from actlab.store.runs import RunStore


def test_bench_runs_prints_a_ranking_and_writes_the_report(toy_tasks, tmp_path):
    db, rep = tmp_path / "b.db", tmp_path / "rep"
    r = CliRunner().invoke(app, ["bench", "--acts", "relu,gelu", "--tasks", "toy_a", "--seeds", "2",
                                 "--db", str(db), "--report", str(rep)])
    assert r.exit_code == 0, r.output
    assert "ranking" in r.output and "W/T/L" in r.output and "vs relu" in r.output and "4 runs done" in r.output
    assert (rep / "index.html").is_file()
    with RunStore(db) as s:
        assert len(s.runs()) == 4
    r2 = CliRunner().invoke(app, ["bench", "--acts", "relu,gelu", "--tasks", "toy_a", "--seeds", "2",
                                  "--db", str(db)])
    assert "0 runs done, 4 skipped" in r2.output


def test_report_command_writes_index_html(toy_tasks, tmp_path):
    db = tmp_path / "b.db"
    CliRunner().invoke(app, ["bench", "--acts", "relu", "--tasks", "toy_a", "--seeds", "1", "--db", str(db)])
    r = CliRunner().invoke(app, ["report", "--db", str(db), "-o", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "index.html").is_file()


@pytest.mark.parametrize("argv, needle", [
    (["--acts", "relu,gelux", "--tasks", "toy_a"], "did you mean: gelu"),
    (["--acts", "relu", "--tasks", "toy_x"], "unknown task 'toy_x'"),
    (["--suite", "quik"], "did you mean: quick"),
])
def test_bad_names_exit_2_with_one_line(toy_tasks, tmp_path, monkeypatch, capsys, argv, needle):
    monkeypatch.setattr(sys, "argv", ["actlab", "bench", *argv, "--db", str(tmp_path / "b.db")])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert sum(len(t.calls) for t in toy_tasks.values()) == 0
