"""`actlab infoplane` comments on negative KSG estimates (the figure name is tested in test_analysis_cli)."""
from actlab.cli.analysis import negative_note


def test_negative_ksg_estimates_are_explained():
    assert negative_note("ksg", [[0.3, -0.02], [0.1]]).startswith("negative estimates (down to -0.020 bits): KSG is")
    assert "biased near zero" in negative_note("ksg", [[-0.02]])
    assert negative_note("ksg", [[0.0, 0.3]]) is None
    assert negative_note("binning", [[0.5]]) is None
