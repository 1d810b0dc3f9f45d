"""`actlab arith`: thin wrapper printing a table and writing a plot; bad names fail before training."""
from typer.testing import CliRunner

from actlab.arith import run
from actlab.arith.task import ArithTask
from actlab.cli.main import app
from actlab.core.errors import ParameterError, UnknownNameError

ARGS = ["arith", "--ops", "sub", "--units", "nau,relu", "--seeds", "2", "--iterations", "1e2", "--input-size", "2",
        "--subset-ratio", "0.5", "--overlap-ratio", "0", "--eval-every", "50", "--eval-size", "300"]


def test_cli_prints_a_table_and_writes_a_plot(tmp_path):
    db = tmp_path / "a.db"
    res = CliRunner().invoke(app, ARGS + ["--db", str(db)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "nau" in res.output and "relu" in res.output and "success" in res.output
    png = db.with_suffix(".png")
    assert png.exists() and png.read_bytes()[:4] == b"\x89PNG"


def test_cli_rejects_unknown_unit_and_bad_counts(tmp_path):
    res = CliRunner().invoke(app, ["arith", "--units", "nmu,foo", "--db", str(tmp_path / "b.db")])
    assert isinstance(res.exception, UnknownNameError) and "nmu" in str(res.exception)
    res = CliRunner().invoke(app, ["arith", "--iterations", "1.5", "--db", str(tmp_path / "b.db")])
    assert isinstance(res.exception, ParameterError) and "--iterations" in str(res.exception)


def test_cli_runs_the_simple_task(tmp_path):
    db = tmp_path / "s.db"
    res = CliRunner().invoke(app, ["arith", "--task", "simple", "--ops", "mul", "--units", "nmu", "--seeds", "2",
                                   "--iterations", "100", "--eval-every", "50", "--eval-size", "300", "--db", str(db)],
                             env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    rows = run("mul", "nmu", seeds=2, iterations=100, db=db, task="simple", train=False, eval_every=50,
               eval_size=300)
    assert rows and rows[0]["seeds"] == 2  # stored under the simple task's key
    assert rows[0]["threshold"] == ArithTask.named("simple", "mul").threshold()


def test_a_ramp_outside_the_budget_is_announced_with_ramp_scale(tmp_path):
    import pytest

    from actlab.arith.budget import RampWarning

    with pytest.warns(RampWarning) as rec:  # the case: 2000 iterations, paper ramps
        run("add", "nmu,nau,relu", seeds=1, iterations=2000, db=None, train=False)
    notes = [str(w.message) for w in rec]
    assert len(notes) == 2 and notes[0].startswith("nmu") and notes[1].startswith("nau")
    assert "never switches on" in notes[0] and "ramp_scale=0.0004" in notes[0]  # 0.4 · 2000 / 2e6
    assert "never switches on" in notes[1]  # NAU starts at 5e3 > 2000
    with pytest.warns(RampWarning, match="only 50% of"):  # NAU 5e3 → 5e4: half way at 27 500
        run("add", "nau", seeds=1, iterations=27_500, db=None, train=False)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", RampWarning)
        run("add", "nmu,nau", seeds=1, iterations=2000, db=None, train=False, ramp_scale=0.0004)
    res = CliRunner().invoke(app, ["arith", "--ops", "add", "--units", "nmu", "--seeds", "1", "--iterations", "100",
                                   "--input-size", "2", "--subset-ratio", "0.5", "--overlap-ratio", "0",
                                   "--eval-every", "50", "--eval-size", "100", "--db", str(tmp_path / "r.db")],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "never switches on" in res.output and "--ramp-scale 2e-05" in res.output  # 0.4 · 100 / 2e6


def test_cli_passes_the_protocol_knobs_to_the_run_key(tmp_path):
    db = tmp_path / "x.db"
    res = CliRunner().invoke(app, ARGS[:4] + ["nau"] + ARGS[5:] + ["--db", str(db), "--stream", "xoshiro",
                                                                   "--stop-when-solved", "2"],
                             env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    opts = dict(input_size=2, subset_ratio=0.5, overlap_ratio=0.0, eval_every=50, eval_size=300)
    assert run("sub", "nau", seeds=2, iterations=100, db=db, train=False, **opts) == []  # not the pcg64 run
    rows = run("sub", "nau", seeds=2, iterations=100, db=db, train=False, stream="xoshiro", stop_when_solved=2, **opts)
    assert rows and rows[0]["seeds"] == 2
    res = CliRunner().invoke(app, ARGS + ["--db", str(tmp_path / "y.db"), "--stream", "mt19937"])
    assert isinstance(res.exception, ParameterError) and "stream" in str(res.exception)
