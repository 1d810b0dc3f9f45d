"""`actlab bench` flags say what they do: the default suite in --help and a plan before running, explicit budgets
(--small/--full, --epochs), --seeds as a count or a list, readable report labels, and `actlab tasks`."""
from __future__ import annotations


from rich.console import Console
from typer.testing import CliRunner

from actlab.cli.bench import ranking_table
from actlab.cli.main import app
from actlab.report.labels import label_tasks
from actlab.store.runs import RunStore

ENV = {"COLUMNS": "200"}


def test_help_shows_the_default_suite():
    out = " ".join(CliRunner().invoke(app, ["bench", "--help"], env=ENV).output.split())
    assert "default: quick" in out and "--small" in out and "--epochs" in out and "0,1,2" in out


def test_plan_is_printed_before_running_and_seeds_take_a_list_or_a_count(toy_tasks, tmp_path):
    db = tmp_path / "p.db"
    r = CliRunner().invoke(app, ["bench", "--acts", "relu,tanh", "--tasks", "toy_a", "--seeds", "0,2",
                                 "--epochs", "2", "--db", str(db)], env=ENV)
    assert r.exit_code == 0, r.output
    out = r.output
    assert "activations: relu, tanh" in out and "seeds: 0, 2" in out and "task toy_a: full budget" in out
    assert out.index("seeds: 0, 2") < out.index("runs done")  # said before it ran
    with RunStore(db) as s:
        runs = s.runs()
    assert sorted({r["seed"] for r in runs}) == [0, 2]
    assert all(r["options"].get("epochs") == 2 and "small" not in r["options"] for r in runs)
    assert all(len(r["extra"].get("curve", [])) <= 2 or r["epochs"] == 2 for r in runs)  # the toy ran 2 epochs
    r = CliRunner().invoke(app, ["bench", "--acts", "relu", "--tasks", "toy_a", "--seeds", "3", "--small",
                                 "--db", str(tmp_path / "c.db")], env=ENV)
    assert r.exit_code == 0, r.output
    assert "seeds: 0, 1, 2" in r.output and "task toy_a: small budget" in r.output
    with RunStore(tmp_path / "c.db") as s:
        assert all(r["options"].get("small") is True for r in s.runs())
    r = CliRunner().invoke(app, ["bench", "--acts", "relu", "--tasks", "toy_a", "--seeds", "two",
                                 "--db", str(tmp_path / "d.db")], env=ENV)
    assert r.exit_code == 2 and "--seeds must be a count" in " ".join(r.output.split())


def _runs(db, variants):
    with RunStore(db) as s:
        for opts in variants:
            for act, v in (("relu", 0.9), ("gelu", 0.92)):
                s.record_run("digits_mlp", act, 0, opts, {"metric": "accuracy", "value": v, "higher_is_better": True,
                                                          "diverged": False, "step_time": 1e-3, "wall_time": 4.0})


def test_budget_variants_get_readable_labels_in_the_report_and_the_terminal(tmp_path):
    db = tmp_path / "l.db"
    _runs(db, [{"task_fingerprint": "190691abcdef"}, {"small": True, "task_fingerprint": "77aa00bbccdd"}])
    with RunStore(db) as s:
        tasks = sorted({r["task"] for r in label_tasks(s.runs())})
    assert tasks == ["digits_mlp[full budget]", "digits_mlp[small budget]"]
    con = Console(record=True, width=250)
    con.print(ranking_table(db))
    out = con.export_text()
    assert "digits_mlp[full budget]" in out and "digits_mlp[small budget]" in out and "190691" not in out


def test_code_only_and_epoch_variants_are_spelled_out_without_hashes():
    runs = [{"id": i, "task": "charlm", "options": o} for i, o in enumerate(
        [{"task_fingerprint": "aaa111"}, {"task_fingerprint": "bbb222"}, {"epochs": 3, "task_fingerprint": "bbb222"}])]
    labels = [r["task"] for r in label_tasks(runs)]
    assert labels == ["charlm[epochs default, task code #1]", "charlm[epochs default, task code #2]",
                      "charlm[epochs=3]"]
    assert not any("aaa" in x or "bbb" in x for x in labels)
    one = [{"id": 0, "task": "t", "options": {"task_fingerprint": "x"}}]
    assert label_tasks(one)[0]["task"] == "t"  # one variant: no label at all


def test_tasks_lists_metric_budgets_and_the_time_measured_here(tmp_path):
    db = tmp_path / "t.db"
    _runs(db, [{"task_fingerprint": "f"}])
    out = CliRunner().invoke(app, ["tasks", "--db", str(db)], env=ENV).output
    line = next(ln for ln in out.splitlines() if "digits_mlp" in ln)
    assert "accuracy ↑" in line and "epochs=" in line and "4.0 s (n=2)" in line
    assert "charlm" in out and "perplexity ↓" in out
