"""`actlab infoplane` and `actlab signal` write their figures and cache; bad names exit cleanly."""
import subprocess
import sys

from typer.testing import CliRunner

from actlab.cli.main import app


def test_infoplane_writes_cache_and_plot_then_reuses_it(tmp_path):
    args = ["infoplane", "--act", "relu", "--repeats", "2", "--epochs", "4", "--samples", "3", "-o", str(tmp_path)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    pngs = list(tmp_path.glob("infoplane-*.png"))
    caches = list((tmp_path / "infoplane").glob("*.npz"))
    assert [p.name for p in pngs] == ["infoplane-relu-binning.png"] and len(caches) == 1  # a predictable name
    assert str(pngs[0]) in "".join(r.output.split())
    stamp = caches[0].stat().st_mtime_ns
    assert CliRunner().invoke(app, args).exit_code == 0
    assert caches[0].stat().st_mtime_ns == stamp  # redrawn from the cache, not retrained


def test_signal_writes_three_figures(tmp_path):
    r = CliRunner().invoke(app, ["signal", "selu", "tanh", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["chi1.png", "dual_kernels.png", "variance_map.png"]
    assert "1.0000" in r.output  # SELU's fixed-point variance


def test_unknown_activation_is_a_one_line_error(tmp_path):
    cmd = [sys.executable, "-c", "from actlab.cli.main import main; main()", "infoplane", "--act", "tanhh",
           "-o", str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 2 and "unknown activation 'tanhh'" in r.stderr and "Traceback" not in r.stderr
