"""Checkpoints round-trip (refined grids, pruning, symbolic edges); edge plots and the CLI write files."""
import pytest
import torch
from typer.testing import CliRunner

from actlab.core.errors import ConfigError
from actlab.kan import KAN, fix_symbolic, prune
from actlab.kan.curves import edge_curves
from actlab.kan.io import load_kan, save_kan


def test_checkpoint_roundtrip_keeps_outputs_after_refine_prune_and_snap(tmp_path):
    model = KAN([2, 4, 1], grid=3, seed=0).double()
    model.refine(6)
    x = torch.rand(200, 2, dtype=torch.float64) * 2 - 1
    model = prune(model, x, node_th=0.3)
    fix_symbolic(model, 0, 0, 0, "sin", x)
    back = load_kan(save_kan(model, tmp_path / "m.pt"))
    assert back.widths == model.widths and back.layers[0].basis.G == 6
    torch.testing.assert_close(back(x), model(x), atol=0, rtol=0)


def test_loading_a_foreign_file_is_a_config_error(tmp_path):
    torch.save({"hello": 1}, tmp_path / "x.pt")
    with pytest.raises(ConfigError, match="not an actlab KAN checkpoint"):
        load_kan(tmp_path / "x.pt")
    with pytest.raises(ConfigError, match="does not exist"):
        load_kan(tmp_path / "missing.pt")


def test_edge_curves_match_layer_edges_and_plot_writes_png(tmp_path):
    from actlab.report.kan_plot import plot_kan

    model = KAN([2, 3, 1], basis="chebyshev", seed=0).double()
    x = torch.randn(100, 2, dtype=torch.float64)
    curves = edge_curves(model, x, n=50)
    assert [c.values.shape for c in curves] == [(50, 3, 2), (50, 1, 3)]
    # each curve is the edge function itself: recompute edge (1 -> 2) of layer 0 from the layer's record
    layer = model.layers[0]
    layer.record = True
    u = curves[0].u
    layer(u)
    torch.testing.assert_close(curves[0].values, layer.last.edges.float())
    out = plot_kan(model, tmp_path / "kan.png", x)
    assert out.stat().st_size > 2000 and out.read_bytes()[:4] == b"\x89PNG"


def test_cli_fit_then_plot(tmp_path):
    from actlab.cli.main import app

    r = CliRunner()
    res = r.invoke(app, ["kan-fit", "--steps", "1", "--grid", "3", "-o", str(tmp_path / "t.pt")])
    assert res.exit_code == 0, res.output
    assert "test RMSE" in res.output
    res = r.invoke(app, ["kan-plot", str(tmp_path / "t.pt"), "-o", str(tmp_path / "t.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "t.png").stat().st_size > 2000


def test_cli_refine_with_a_fixed_basis_fails_before_training(monkeypatch):
    import actlab.kan
    from actlab.cli.main import app

    def no_training(*a, **k):
        raise AssertionError("trained before checking --refine")
    monkeypatch.setattr(actlab.kan, "fit", no_training)  # what kan-fit calls
    res = CliRunner().invoke(app, ["kan-fit", "--basis", "chebyshev", "--refine", "10", "--steps", "1"])
    assert res.exit_code != 0 and "adaptive grid" in str(res.exception) and "bspline" in str(res.exception)
