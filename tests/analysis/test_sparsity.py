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


def _cnn_with_dead_channels():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 8, 3)
    with torch.no_grad():
        conv.bias[[2, 5]] = -100.0  # channels 2 and 5 never fire on inputs in [0, 1)
    return nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(8 * 4 * 4, 3), nn.ReLU())


def test_cnn_units_are_channels_and_names_pick_modules_as_swap_does():
    model = _cnn_with_dead_channels()
    x = torch.rand(5, 1, 6, 6)
    rep = sparsity_report(model, x, "relu")  # an activation name, as actlab.swap takes it
    assert set(rep) == {"1", "4"}
    conv = rep["1"]
    assert conv["units"] == 8 and conv["positions"] == 5 * 4 * 4  # 8 channels, not the 4 image columns
    # independent reference: a channel is dead when its conv output is <= 0 at every sample and pixel
    with torch.no_grad():
        pre = model[0](x)
    dead = (pre.amax(dim=(0, 2, 3)) <= 0).float()
    assert conv["dead_rate"] == pytest.approx(float(dead.mean()))
    assert conv["dead_rate"] >= 2 / 8
    ref_firing = (pre.clamp_min(0) > 0).float().mean(dim=(0, 2, 3))
    torch.testing.assert_close(conv["firing"], ref_firing)
    assert rep["4"]["units"] == 3  # after the Linear: the last dim
    assert sparsity_report(model, x, "relu", dim=-1)["1"]["units"] == 4  # the old reading, only when asked


def test_units_dim_that_cannot_be_told_is_an_error_naming_dim():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.proj, self.act = nn.Linear(4, 8), nn.ReLU()

        def forward(self, x):
            return self.act(self.proj(x) * 2.0)

    with pytest.raises(ParameterError, match="dim=-1"):
        sparsity_report(Scaled(), torch.randn(2, 3, 4), "relu")
    assert sparsity_report(Scaled(), torch.randn(2, 3, 4), "relu", dim=-1)["act"]["units"] == 8
    with pytest.raises(ParameterError, match="neither a submodule name nor an activation"):
        sparsity_report(Scaled(), torch.randn(2, 3, 4), "reluu")
