"""Massive-activation detector on injected outliers."""
import pytest
import torch
from torch import nn

from actlab.analysis.massive import find_massive, massive_activations


def test_finds_injected_outlier_with_layer_token_and_dim():
    h = torch.randn(2, 7, 64, generator=torch.Generator().manual_seed(0)) * 0.1
    h[1, 3, 17] = -2000.0
    hits = find_massive(h, layer=4)
    assert len(hits) == 1
    m = hits[0]
    assert (m.layer, m.batch, m.token, m.dim, m.value) == (4, 1, 3, 17, -2000.0)
    assert m.median == pytest.approx(float(h[1, 3].abs().median()))


def test_both_criteria_must_hold():
    h = torch.ones(1, 2, 9)
    h[0, 0, 0] = 150.0         # > 100 but only 150× the median 1: not massive at ratio 1000
    h[0, 1] = 0.01
    h[0, 1, 5] = 50.0          # 5000× the median but below 100
    assert find_massive(h) == []
    assert [(m.token, m.dim) for m in find_massive(h, ratio=100)] == [(0, 0)]
    assert [(m.token, m.dim) for m in find_massive(h, abs_threshold=10)] == [(1, 5)]


class Shift(nn.Module):
    """A residual block stand-in that writes a huge value into dim 2 of token 0 (an attention-sink bias)."""

    def forward(self, x):
        x = x.clone()
        x[:, 0, 2] = 3000.0
        return x


def test_hooks_report_the_layer_in_a_model():
    model = nn.Sequential(nn.Identity(), Shift(), nn.Identity())
    hits = massive_activations(model, torch.randn(1, 5, 32) * 0.1, ["0", "1", "2"])
    assert [(m.layer_name, m.token, m.dim) for m in hits] == [("1", 0, 2), ("2", 0, 2)]
