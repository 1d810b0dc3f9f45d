"""User text and search results that must be refused clearly (found by an end-to-end audit)."""
import time

import pytest

from actlab.core.errors import ConfigError
from actlab.search import promote, run_search
from actlab.search.symbolic import X, parse_expression
from actlab.search.tune import tune_template


@pytest.mark.parametrize("text,match", [("9**9**9*x", "exponent"), ("x**100", "exponent"),
                                        ("1e400*x", "out of range"), ("10**400*x", "exponent"),
                                        ("(10**10)**40*x", "beyond float range")])
def test_huge_powers_and_literals_are_refused_at_once(text, match):
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match=match):
        parse_expression(text)
    assert time.perf_counter() - t0 < 1.0  # 9**9**9 used to run (and grow memory) forever


def test_ordinary_powers_still_parse():
    e = parse_expression("x**3 + 2**10*x + x**0.5")
    assert float(e.subs(X, 4)) == 64 + 1024 * 4 + 2


def test_promote_refuses_a_registered_name():
    with pytest.raises(ConfigError, match="already a registered"):
        promote("x*sigmoid(b0*x)", "relu")


def test_promoted_expression_family_does_not_claim_sparsity():
    spec = promote("asinh(x) + atan(max(b0, x))", "t_audit_family")
    assert spec.family == "learnable"
    spec = promote("max(x, tanh(x))", "t_audit_family_fixed", register_spec=False)
    assert spec.family == "classic"


def test_tuning_a_template_that_never_gives_a_finite_value_is_an_error():
    with pytest.raises(ConfigError, match="no trial"):
        tune_template("log(b0 - 10)*x", "target:silu", n_trials=3, low=-3, high=3)


def test_cli_promote_refuses_rejected_candidates_without_force(tmp_path):
    from typer.testing import CliRunner

    from actlab.cli.main import app

    db = tmp_path / "s.db"
    res = run_search("swish", "random", "target:silu", budget=30, seed=0, db=db)
    bad = [r for r in res.rows if r["status"] == "rejected"]
    assert bad, "the random search should meet at least one rejected candidate"
    runner = CliRunner()
    r = runner.invoke(app, ["search-promote", "t_audit_rej", "--db", str(db), "--idx", str(bad[0]["idx"])])
    assert r.exit_code != 0 and "rejected" in str(r.exception)
    r = runner.invoke(app, ["search-promote", "t_audit_rej", "--db", str(db), "--idx", str(bad[0]["idx"]),
                            "--force"])
    assert r.exit_code == 0, r.output


def test_reading_a_wrong_file_as_a_report_database_leaves_it_untouched(tmp_path):
    from actlab.report.html import write_report
    from actlab.store.candidates import open_for_report

    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(ConfigError, match="not a search database"):
        open_for_report(empty)
    assert "Suites recorded: none" in write_report(empty, tmp_path / "rep").read_text()  # an empty page, no new db
    assert empty.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db", "rep"]
