"""Inputs to the arithmetic and KAN tools that must be refused clearly or normalised (found by an audit)."""
import sqlite3

import pytest
import torch
from typer.testing import CliRunner

from actlab.arith.task import ArithTask
from actlab.arith.trainer import TrainConfig
from actlab.arith.units import NAU, NMU, Linear
from actlab.cli.main import app
from actlab.core.errors import ConfigError, ParameterError, ShapeError
from actlab.kan import KAN
from actlab.kan.io import load_kan, save_kan
from actlab.store.arith import ArithStore


def test_integer_and_float_ratios_and_ranges_are_one_task_and_one_run_key():
    a = ArithTask("sub", overlap_ratio=0, interpolation_range=(1, 2))
    b = ArithTask("sub", overlap_ratio=0.0, interpolation_range=(1.0, 2.0))
    assert a.describe() == b.describe()
    assert ArithStore.key("sub", "nau", a.describe()) == ArithStore.key("sub", "nau", b.describe())


@pytest.mark.parametrize("field,value", [("eps", -1.0), ("eps", float("nan")), ("threads", 0)])
def test_train_config_names_bad_eps_and_threads(field, value):
    with pytest.raises(ParameterError, match=field):
        TrainConfig(**{field: value})


@pytest.mark.parametrize("module", [NMU(3, 2), NAU(3, 2), Linear(3, 2), KAN([3, 2])])
@pytest.mark.parametrize("x", [torch.randn(4, 3, dtype=torch.float64), torch.ones(4, 3, dtype=torch.long),
                               torch.tensor(1.0)])
def test_units_name_themselves_for_wrong_dtypes_and_0d_inputs(module, x):
    with pytest.raises(ShapeError, match=type(module.layers[0] if isinstance(module, KAN) else module).__name__):
        module(x)


def test_load_kan_refuses_anything_that_is_not_a_checkpoint(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    db = tmp_path / "x.db"
    sqlite3.connect(db).execute("CREATE TABLE t (a)").connection.close()
    partial = tmp_path / "partial.pt"
    torch.save({"format": 1}, partial)
    for path in (text, db, tmp_path, partial):
        with pytest.raises(ConfigError, match="checkpoint"):
            load_kan(path)
    good = save_kan(KAN([2, 3, 1]), tmp_path / "k.pt")
    assert isinstance(load_kan(good), KAN)


def test_kan_cli_refuses_zero_steps_and_bad_outputs_before_fitting(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["kan-fit", "--steps", "0"])
    assert isinstance(r.exception, ParameterError) and "--steps" in str(r.exception)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = runner.invoke(app, ["kan-fit", "--steps", "1", "-o", str(blocker / "m.pt")])
    assert isinstance(r.exception, ConfigError) and "--out" in str(r.exception)
    r = runner.invoke(app, ["kan-plot", "--demo", "-o", str(tmp_path / "k.jpgx")])
    assert isinstance(r.exception, ParameterError) and "jpgx" in str(r.exception)


def test_simple_task_refuses_ratios_it_would_ignore():
    with pytest.raises(ParameterError, match="subset_ratio"):
        ArithTask.named("simple", "mul", subset_ratio=0.5)
    assert ArithTask.named("simple", "mul").fixed_subsets is not None


def test_an_unreachable_success_threshold_is_announced():
    degenerate = ArithTask("add", input_size=4, subset_ratio=0.5, overlap_ratio=0.0)  # subsets cover every input
    with pytest.warns(UserWarning, match="no float32 model can reach it"):
        assert degenerate.threshold() < 1e-20
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ArithTask("add").threshold() > 1e-8  # the paper's layout: a reachable threshold, no warning
