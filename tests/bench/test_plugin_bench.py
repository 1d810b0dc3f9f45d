"""A plugin activation benchmarked end to end: from the command line (with a process pool), edited (exactly its runs
again), unchanged (nothing), --rerun (everything, old rows kept), and named in the report."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import actlab
from actlab.bench.config import load_file, make_config
from actlab.bench.runner import run_suite
from actlab.cli.main import main
from actlab.core import plugins
from actlab.core.registry import ACTIVATIONS
from actlab.store.runs import RunStore

PLUGIN = '''
import torch
import actlab
from actlab import ActivationSpec, Param, Source


def _gate(x, beta):
    return torch.nn.functional.softplus(beta * x)


def pmish(x, beta=1.0):
    return x * torch.tanh(_gate(x, beta))


actlab.register(ActivationSpec("pmish", "smooth", "x·tanh(softplus(βx))", Source("a plugin"), fn=pmish,
                               params=(Param("beta", 1.0, low=0.0, open=(True, False)),)), replace=True)
'''
EDITED = PLUGIN.replace("softplus(beta * x)", "softplus(beta * x + 0.5)")


@pytest.fixture
def fresh_plugins(monkeypatch):
    monkeypatch.setattr(plugins, "_LOADED", {})
    monkeypatch.setattr(sys, "path", list(sys.path))
    with ACTIVATIONS.scratch():
        yield


def _acts_run(toy_tasks):
    out = sorted(a for t in toy_tasks.values() for a, _ in t.calls)
    for t in toy_tasks.values():
        t.calls.clear()
    return out


def test_edit_reruns_exactly_the_plugin_runs_then_nothing_and_rerun_everything(toy_tasks, tmp_path, fresh_plugins):
    v1, v2 = tmp_path / "v1" / "myacts.py", tmp_path / "v2" / "myacts.py"  # one file per version: in-process
    for f, text in ((v1, PLUGIN), (v2, EDITED)):
        f.parent.mkdir()
        f.write_text(text)
    suite = tmp_path / "v1" / "suite.yaml"
    suite.write_text("acts: [relu, pmish]\ntasks: [toy_a]\nseeds: 2\nbudget: {epochs: 1}\nimports: [myacts.py]\n")
    cfg = load_file(suite)
    assert cfg.imports == [str(v1)]  # relative to the suite file
    db = tmp_path / "b.db"
    assert len(run_suite(cfg, db).executed) == 4 and _acts_run(toy_tasks) == ["pmish"] * 2 + ["relu"] * 2
    res = run_suite(make_config(cfg.model_dump() | {"imports": [str(v2)]}), db)  # the edited function
    assert _acts_run(toy_tasks) == ["pmish", "pmish"] and len(res.skipped) == 2
    res = run_suite(make_config(cfg.model_dump() | {"imports": [str(v2)]}), db)
    assert _acts_run(toy_tasks) == [] and len(res.skipped) == 4
    res = run_suite(make_config(cfg.model_dump() | {"imports": [str(v2)]}), db, rerun=True)
    assert _acts_run(toy_tasks) == ["pmish"] * 2 + ["relu"] * 2 and not res.skipped
    with RunStore(db) as s:
        assert len(s.runs()) == 4 and len(s.runs(latest=False)) == 10  # 4 current, 6 superseded
        assert {r["extra"].get("act_origin") for r in s.runs()} == {None, str(v2)}


def test_a_plugin_that_fails_to_import_exits_2_naming_the_file(tmp_path, monkeypatch, capsys, fresh_plugins):
    bad = tmp_path / "broken_acts.py"
    bad.write_text("import torch\n\ndef f(x):\n    return x\n\nraise ValueError('half-written plugin')\n")
    monkeypatch.setattr(sys, "argv", ["actlab", "bench", "--import", str(bad), "--acts", "relu"])
    with pytest.raises(SystemExit) as e:
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert e.value.code == 2 and "Traceback" not in err
    assert f"({bad}) failed to import: ValueError: half-written plugin (at {bad}:6)" in err


def _actlab(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "ACTLAB_PLUGINS": ""}
    exe = Path(sys.executable).with_name("actlab")
    r = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def test_cli_benchmarks_an_imported_file_with_two_workers_and_reports_it(tmp_path):
    """The issue's done-when, as a user types it: `--import myacts.py` with --workers 2 (the pool's workers load
    the plugin), and the report draws pmish (editing and --rerun: the in-process test above)."""
    (tmp_path / "myacts.py").write_text(PLUGIN)
    (tmp_path / "suite.yaml").write_text("acts: [relu, pmish]\ntasks: [xor]\nseeds: [0]\nbudget: {epochs: 1}\n")
    r = _actlab("--import", "myacts.py", "bench", "--suite", "suite.yaml", "--db", "b.db", "--workers", "2",
                "--report", "rep", cwd=tmp_path)
    assert "2 runs done, 0 skipped" in r.stdout and "0 failed" in r.stdout
    html = (tmp_path / "rep" / "index.html").read_text()
    assert (tmp_path / "rep" / "figures" / "act_pmish.png").read_bytes()[:4] == b"\x89PNG"
    assert re.search(r"<b>pmish</b>: from plugin .*myacts\.py</li>", html)
    # without the plugin (this process never loaded it) the report still has the runs and says why the curve
    # of pmish is missing
    from actlab.report.html import write_report

    html = " ".join(write_report(tmp_path / "b.db", tmp_path / "rep2").read_text().split())
    assert "pmish" not in actlab.names() and "which is not loaded: its curve could not be drawn" in html
    assert not (tmp_path / "rep2" / "figures" / "act_pmish.png").exists()
