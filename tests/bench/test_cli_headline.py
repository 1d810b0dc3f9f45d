"""`actlab bench` on the headline tasks: the cost columns beside the metric, devices refused before any work."""
from __future__ import annotations

import sys

import pytest
import torch
import yaml
from typer.testing import CliRunner

from actlab.cli.main import app, main
from actlab.store.runs import RunStore


def test_vit_activator_kat_runs_show_params_flops_and_throughput(tmp_path):
    suite = tmp_path / "s.yaml"
    suite.write_text(yaml.safe_dump({"acts": ["relu", "crrelu"], "tasks": ["digits_vit", "digits_activator",
                                     "digits_kat"], "seeds": 1, "budget": {"epochs": 1, "max_steps": 2}}))
    db = tmp_path / "b.db"
    r = CliRunner().invoke(app, ["bench", "--suite", str(suite), "--db", str(db)], terminal_width=200)
    assert r.exit_code == 0, r.output
    assert "6 runs done" in r.output
    assert all(w in r.output for w in ("params", "MFLOPs", "throughput", "device"))
    with RunStore(db) as s:
        runs = s.runs()
    assert len(runs) == 6 and all(r["extra"]["flops"] > 0 and r["extra"]["throughput"] > 0 for r in runs)
    vit = next(r for r in runs if r["task"] == "digits_vit")
    assert f"{vit['extra']['flops'] / 1e6:.3g}" in r.output and f"{vit['params']:,}" in r.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("argv, needle", [
    (["--device", "cuda"], "CUDA is not available"),
    (["--device", "cuda:1", "--precision", "bf16"], "CUDA is not available"),
    (["--device", "tpu"], "not one of cpu, cuda, cuda:N"),
])
def test_unusable_devices_exit_2_before_any_work(tmp_path, monkeypatch, capsys, argv, needle):
    db = tmp_path / "b.db"
    monkeypatch.setattr(sys, "argv", ["actlab", "bench", "--tasks", "digits_vit", "--acts", "relu",
                                      "--db", str(db), *argv])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    assert needle in " ".join(capsys.readouterr().err.split())
    assert not db.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_a_suite_file_asking_for_cuda_is_refused_too(tmp_path):
    from actlab.bench.config import make_config, validate_names
    from actlab.core.errors import ConfigError

    cfg = make_config({"acts": ["relu"], "tasks": ["digits_vit"], "budget": {"device": "cuda"}})
    with pytest.raises(ConfigError, match="CUDA is not available"):
        validate_names(cfg)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("argv", [
    ["search", "--task", "digits", "--budget", "2", "--device", "cuda"],
    ["infoplane", "--epochs", "2", "--device", "cuda"],
    ["arith", "--seeds", "2", "--iterations", "10", "--device", "cuda"],
])
def test_search_and_infoplane_refuse_cuda_before_any_work(tmp_path, monkeypatch, capsys, argv):
    db = tmp_path / "s.db"
    monkeypatch.setattr(sys, "argv", ["actlab", *argv, *(["--db", str(db)] if argv[0] in ("search", "arith") else
                                                         ["-o", str(tmp_path / "o")])])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2 and "CUDA is not available" in " ".join(capsys.readouterr().err.split())
    assert not db.exists() and not (tmp_path / "o").exists()


def test_search_passes_the_data_folder_and_refuses_a_missing_one(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ACTLAB_DATA", raising=False)
    monkeypatch.setattr(sys, "argv", ["actlab", "search", "--task", "cifar10_vit", "--budget", "2",
                                      "--data-dir", str(tmp_path / "none"), "--db", str(tmp_path / "s.db")])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2 and str(tmp_path / "none") in " ".join(capsys.readouterr().err.split())
