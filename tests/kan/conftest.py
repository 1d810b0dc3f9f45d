"""Shared KAN test helpers."""
import pytest
import torch

from actlab.kan import KANLayer


@pytest.fixture
def twin_layers():
    """``twin_layers(n_in, n_out, other, grid=5, ref=None, float64_knots=False) -> (reference, other)``: two
    float64 KANLayers built alike from the current torch seed, ``other`` with the extra options ``other`` (another
    backend or basis) and the reference's parameters and knots copied in, so their outputs must agree.
    ``float64_knots`` builds the knots in float64 (uniform to double rounding) instead of converting float32 ones.
    """

    def make(n_in: int, n_out: int, other: dict, grid: int = 5, ref: dict | None = None,
             float64_knots: bool = False) -> tuple[KANLayer, KANLayer]:
        old = torch.get_default_dtype()
        if float64_knots:
            torch.set_default_dtype(torch.float64)
        try:
            a = KANLayer(n_in, n_out, grid=grid, **(ref or {})).double()
            b = KANLayer(n_in, n_out, grid=grid, **other).double()
        finally:
            torch.set_default_dtype(old)
        b.load_state_dict(a.state_dict())
        return a, b

    return make
