from typer.testing import CliRunner

from actlab.cli.main import app
from actlab.core.errors import UnknownNameError

runner = CliRunner()


def test_rational_fit_prints_coefficients_and_error():
    r = runner.invoke(app, ["rational-fit", "tanh", "--m", "3", "--n", "2"])
    assert r.exit_code == 0, r.stdout
    assert "a_3" in r.stdout and "b_2" in r.stdout and "b_3" not in r.stdout and "max-abs error" in r.stdout


def test_rational_fit_unknown_target_raises_the_suggesting_error():
    # (actlab.cli.main.main turns any ActlabError into a one-line message and exit code 2)
    r = runner.invoke(app, ["rational-fit", "gelo"])
    assert isinstance(r.exception, UnknownNameError) and "gelu" in str(r.exception)
