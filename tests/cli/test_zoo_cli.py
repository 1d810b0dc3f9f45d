import subprocess
import sys

from typer.testing import CliRunner

from actlab.cli.main import app

runner = CliRunner()


def test_list_shows_a_table_of_the_family():
    r = runner.invoke(app, ["list", "--family", "periodic"])
    assert r.exit_code == 0
    assert "snake" in r.stdout and "gcu" in r.stdout and "relu " not in r.stdout


def test_show_prints_formula_latex_and_source():
    r = runner.invoke(app, ["show", "crrelu"])
    assert r.exit_code == 0
    assert "2405.12954" in r.stdout and "LaTeX" in r.stdout and "eps" in r.stdout


def test_plot_writes_a_png(tmp_path):
    out = tmp_path / "c.png"
    r = runner.invoke(app, ["plot", "gelu", "silu", "--derivative", "-o", str(out)])
    assert r.exit_code == 0 and out.stat().st_size > 1000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_name_exits_2_with_suggestions_and_no_traceback():
    p = subprocess.run([sys.executable, "-m", "actlab", "show", "gleu"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "did you mean" in p.stderr and "gelu" in p.stderr and "Traceback" not in p.stderr


def test_show_names_family_and_kind_once_each():
    from typer.testing import CliRunner

    from actlab.cli.main import app

    out = CliRunner().invoke(app, ["show", "swiglu"], env={"COLUMNS": "120"}).output
    assert "(gated)" in out and "gated, gated" not in out
    out = CliRunner().invoke(app, ["show", "relu"], env={"COLUMNS": "120"}).output
    assert "(classic, elementwise)" in out
