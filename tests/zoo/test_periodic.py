import math

import torch

import actlab
from actlab.zoo import siren_init_


def test_siren_init_bounds_first_and_hidden_layers():
    first = siren_init_(torch.nn.Linear(50, 64), is_first=True)
    hidden = siren_init_(torch.nn.Linear(64, 64), w0=30.0)
    assert first.weight.abs().max() <= 1 / 50 and first.weight.abs().max() > 0.9 / 50
    bound = math.sqrt(6 / 64) / 30
    assert hidden.weight.abs().max() <= bound and hidden.weight.abs().max() > 0.9 * bound


def test_snake_output_std_for_standard_normal_matches_closed_form():
    # Var[snake_a(x)], x ~ N(0,1) = 1 + (1 + e^{-8a²} - 2e^{-4a²}) / (8a²)  (Ziyin et al., Prop. 1)
    a = 0.5605
    x = torch.randn(4_000_000, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    var = actlab.functional("snake")(x, a=a).var().item()
    want = 1 + (1 + math.exp(-8 * a * a) - 2 * math.exp(-4 * a * a)) / (8 * a * a)
    assert abs(var - want) < 5e-3


def test_gcu_single_neuron_separates_xor():
    # GCU(z) = z·cos z with z = π/2·(x1 + x2) - π/2... a single oscillatory neuron solves XOR (Noel et al.)
    pts = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = torch.tensor([0, 1, 1, 0])
    z = math.pi * (pts.sum(1) - 1.0) + 1e-3
    out = actlab.functional("gcu")(z)
    pred = (out.abs() < 1.0).long()  # |z cos z| is small exactly when x1 + x2 == 1
    assert torch.equal(pred, labels)
