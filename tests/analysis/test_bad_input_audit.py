"""Analysis inputs that must fail loudly instead of giving a quiet, wrong number."""
import numpy as np
import pytest
import torch

from actlab.analysis.infoplane import InfoPlaneConfig
from actlab.analysis.massive import find_massive
from actlab.analysis.mi import mutual_information
from actlab.analysis.signal import correlation_map, variance_map
from actlab.core.errors import ParameterError, ShapeError


def test_find_massive_refuses_nan_instead_of_missing_values():
    h = torch.full((1, 2, 16), 0.01)
    h[0, :, 3] = 5000.0
    assert len(find_massive(h)) == 2
    h[0, 0, 0] = float("nan")
    with pytest.raises(ParameterError, match="NaN"):
        find_massive(h)


def test_mi_refuses_complex_and_string_samples_and_conflicting_binning_options():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=200), rng.normal(size=200)
    with pytest.raises(ShapeError, match="complex"):
        mutual_information(x + 1j * x, y)
    with pytest.raises(ShapeError, match="dtype"):
        mutual_information(np.array(["a", "b"] * 100), y)
    with pytest.raises(ParameterError, match="bin_size"):
        mutual_information(x, y, bins=10, bin_size=0.1)
    assert mutual_information(x, y, bin_size=0.1) >= 0  # each alone still works


@pytest.mark.parametrize("sw,sb", [(-1.0, 0.0), (0.0, 0.0), (1.0, -0.1), (float("nan"), 0.0)])
def test_signal_maps_refuse_invalid_standard_deviations(sw, sb):
    with pytest.raises(ParameterError, match="sigma"):
        variance_map("tanh", 1.0, sw, sb)
    with pytest.raises(ParameterError, match="sigma"):
        correlation_map("tanh", 0.5, 1.0, sw, sb)


@pytest.mark.parametrize("act", ["glu", "swiglu"])
def test_infoplane_refuses_gated_units_up_front(act):
    with pytest.raises(ParameterError, match="gated"):
        InfoPlaneConfig(act=act)
