"""Dead neurons, firing frequency and hook-based collection on hand-built models."""
import pytest
import torch
from torch import nn

from actlab.analysis.sparsity import (activation_sparsity, collect, dead_neuron_rate, firing_frequency,
                                      select_modules, sparsity_report)
from actlab.core.errors import ParameterError, ShapeError


def hand_built():
    """Linear(2, 4) + ReLU with known dead units: unit 0 fires for x0 > 0, unit 1 never (bias −100),
    unit 2 always (bias +100), unit 3 never (weights 0, bias 0: exactly 0)."""
    lin = nn.Linear(2, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]))
        lin.bias.copy_(torch.tensor([0.0, -100.0, 100.0, 0.0]))
    return nn.Sequential(lin, nn.ReLU())


def test_dead_neuron_rate_on_hand_built_model():
    x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    acts = collect(hand_built(), x, nn.ReLU)["1"]
    assert acts.shape == (1000, 4)
    assert dead_neuron_rate(acts) == 0.5                          # units 1 and 3
    freq = firing_frequency(acts)
    assert freq[0] == pytest.approx(float((x[:, 0] > 0).float().mean()))
    assert freq.tolist()[1:] == [0.0, 1.0, 0.0]
    assert activation_sparsity(acts) == pytest.approx(1 - freq.mean().item())


def test_eps_variant_counts_nearly_silent_units():
    a = torch.zeros(100, 3)
    a[:, 0] = 1e-8             # never exactly 0 but always below eps
    a[:1, 1] = 1.0             # fires on 1 % of inputs: ε-dead at q = 0.99, alive at q = 1
    a[:, 2] = 1.0
    assert dead_neuron_rate(a) == pytest.approx(0.0)            # exact: nothing is identically zero
    assert dead_neuron_rate(a, eps=1e-6, q=0.99) == pytest.approx(2 / 3)
    assert dead_neuron_rate(a, eps=1e-6, q=1.0) == pytest.approx(1 / 3)


def test_hooks_collect_any_module_and_leave_no_hooks_behind():
    model = nn.Sequential(nn.Linear(3, 5), nn.GELU(), nn.Linear(5, 2))
    acts = collect(model, [torch.randn(4, 3), torch.randn(6, 3)], ["0", "2"])
    assert acts["0"].shape == (10, 5) and acts["2"].shape == (10, 2)
    assert all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def test_sparsity_report_for_a_transformer_ffn():
    from actlab.models.transformer import TinyLM

    torch.manual_seed(0)
    lm = TinyLM(20, d_model=16, n_layers=2, d_ff=32, act="relu")
    rep = sparsity_report(lm, torch.randint(0, 20, (3, 12)), lambda n, m: n.endswith("ffn.act"))
    assert len(rep) == 2
    for r in rep.values():
        assert r["units"] == 32 and r["positions"] == 36
        assert 0.2 < r["sparsity"] < 0.8  # random ReLU pre-activations are positive about half the time


def test_bad_inputs_raise():
    with pytest.raises(ParameterError, match="no submodule named"):
        collect(hand_built(), torch.zeros(2, 2), ["nope"])
    with pytest.raises(ParameterError, match="nothing in"):
        select_modules(hand_built(), nn.Conv2d)
    with pytest.raises(ParameterError, match="NaN"):
        dead_neuron_rate(torch.tensor([[float("nan")]]))
    with pytest.raises(ShapeError):
        firing_frequency(torch.zeros(0))
    with pytest.raises(ParameterError, match="q must be"):
        dead_neuron_rate(torch.zeros(3, 2), q=0)
