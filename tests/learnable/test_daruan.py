import numpy as np
import pytest
import torch

import actlab
from actlab.core.errors import ParameterError, ShapeError
from actlab.kan.qkan import HQKAN, QKAN, QKANLayer
from actlab.learnable.daruan import DARUAN, daruan

D = torch.float64
C = torch.complex128


def _statevector(x, theta, w, b, readout="z"):
    """Plain 2x2 complex-matrix simulation of H, r×[RZ(θ), RY(θ), RZ(w·x+b)], RZ(θ), RY(θ) on |0⟩."""
    def rz(p):
        return np.array([[np.exp(-0.5j * p), 0], [0, np.exp(0.5j * p)]])

    def ry(t):
        return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])

    h = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    r = theta.shape[0] - 1
    out = []
    for xi in x:
        psi = h @ np.array([1.0, 0.0])
        for layer in range(r):
            psi = rz(w[layer] * xi + b[layer]) @ ry(theta[layer, 1]) @ rz(theta[layer, 0]) @ psi
        psi = ry(theta[r, 1]) @ rz(theta[r, 0]) @ psi
        a0, a1 = abs(psi[0]), abs(psi[1])
        out.append(a0 ** 2 - a1 ** 2 if readout == "z" else a0 - a1)
    return np.array(out)


@pytest.mark.parametrize("readout", ["z", "amplitude"])
@pytest.mark.parametrize("reps", [1, 3, 5])
def test_bloch_closed_form_equals_statevector_simulation(reps, readout):
    rng = np.random.default_rng(reps)
    theta, w, b = rng.normal(size=(reps + 1, 2)) * 2, rng.normal(size=reps), rng.normal(size=reps)
    x = np.linspace(-4, 4, 41)
    ours = daruan(torch.tensor(x), torch.tensor(theta), torch.tensor(w), torch.tensor(b), readout)
    np.testing.assert_allclose(ours.numpy(), _statevector(x, theta, w, b, readout), atol=1e-12)


def test_spectrum_for_unit_weights_has_only_frequencies_up_to_reps():
    torch.manual_seed(0)
    for reps in (2, 3, 4):
        theta = torch.randn(reps + 1, 2, dtype=D) * 2
        n = 128
        x = torch.arange(n, dtype=D) * 2 * np.pi / n            # one period of RZ(x)
        spec = np.abs(np.fft.rfft(daruan(x, theta).numpy())) / n
        assert spec[reps + 1:].max() < 1e-12
        assert spec[reps] > 1e-6                                  # the top frequency is really there


def test_spectrum_for_fixed_weights_lies_on_predicted_sums():
    # w = (1, 3): predicted |ω| ∈ {0, 1, 2, 3, 4}; with w = (2, 5): {0, 2, 3, 5, 7}
    torch.manual_seed(1)
    theta = torch.randn(3, 2, dtype=D) * 2
    n = 256
    x = torch.arange(n, dtype=D) * 2 * np.pi / n
    w = torch.tensor([2.0, 5.0], dtype=D)
    spec = np.abs(np.fft.rfft(daruan(x, theta, w, torch.zeros(2, dtype=D)).numpy())) / n
    allowed = {abs(s1 * 2 + s2 * 5) for s1 in (-1, 0, 1) for s2 in (-1, 0, 1)}
    off = [k for k in range(len(spec)) if k not in allowed]
    assert spec[off].max() < 1e-12 and min(spec[k] for k in (3, 7)) > 1e-6


def test_daruan_module_extension_preserves_output():
    torch.manual_seed(0)
    act = actlab.create("daruan", reps=2, num_parameters=3).double()
    with torch.no_grad():
        act.w.add_(torch.randn_like(act.w))
        act.b.add_(torch.randn_like(act.b))
    x = torch.randn(4, 3, 5, dtype=D)
    bigger = act.extend(6)
    assert bigger.theta.shape == (3, 7, 2) and bigger.reps == 6
    torch.testing.assert_close(bigger(x), act(x), atol=1e-5, rtol=0)


def test_daruan_per_channel_parameters_pass_gradcheck():
    act = DARUAN(num_parameters=2, reps=2).double()
    x = torch.randn(3, 2, 2, dtype=D, requires_grad=True)
    params = (act.theta.detach().clone().requires_grad_(), act.w.detach().clone().requires_grad_(),
              act.b.detach().clone().requires_grad_())

    def f(x, t, w, b):
        return daruan(x, t.view(2, 1, 3, 2), w.view(2, 1, 2), b.view(2, 1, 2))

    assert torch.autograd.gradcheck(f, (x, *params))


@pytest.mark.parametrize("readout", ["z", "amplitude"])
def test_qkan_layer_extension_preserves_outputs_float64(readout):
    torch.manual_seed(0)
    model = QKAN([2, 5, 1], reps=2, preact_trainable=True, postact_weight_trainable=True,
                 postact_bias_trainable=True, base=True, readout=readout).double()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    x = torch.rand(64, 2, dtype=D) * 2 - 1
    for reps in (3, 5, 8):
        ext = model.extend(reps)
        assert ext.reps == reps
        assert (ext(x) - model(x)).abs().max().item() <= 1e-5


def test_qkan_layer_equals_sum_of_edge_circuits():
    torch.manual_seed(0)
    layer = QKANLayer(3, 2, reps=2, preact_trainable=True, base=True).double()
    with torch.no_grad():
        layer.preact_w.add_(torch.randn_like(layer.preact_w))
    x = torch.randn(4, 3, dtype=D)
    ref = torch.zeros(4, 2, dtype=D)
    for j in range(2):
        for i in range(3):
            phi = daruan(x[:, i], layer.theta[j, i], layer.preact_w[j, i], layer.preact_b[j, i])
            ref[:, j] += layer.postact_w[j, i] * (phi + layer.postact_b[j, i])
            ref[:, j] += layer.base[j, i] * torch.nn.functional.silu(x[:, i])
    torch.testing.assert_close(layer(x), ref)


def test_qkan_trains_on_a_smooth_target():
    torch.manual_seed(0)
    model = QKAN([2, 3, 1], reps=3, preact_trainable=True, postact_weight_trainable=True,
                 postact_bias_trainable=True, base=True)
    x = torch.rand(256, 2) * 2 - 1
    y = torch.sin(np.pi * x[:, :1]) + x[:, 1:] ** 2
    opt = torch.optim.Adam(model.parameters(), 2e-2)
    first = None
    for _ in range(150):
        loss = (model(x) - y).pow(2).mean()
        first = first or loss.item()
        opt.zero_grad(), loss.backward(), opt.step()
    assert loss.item() < 0.1 * first


def test_hqkan_uses_log_width_bottleneck_and_keeps_shape():
    h = HQKAN(256, 100)
    assert h.down.out_features == 8 and h.up.in_features == 7
    assert h(torch.randn(2, 5, 256)).shape == (2, 5, 100)
    mlp = sum(p.numel() for p in torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.Linear(256, 100)).parameters())
    assert sum(p.numel() for p in h.parameters()) < mlp / 10


def test_daruan_errors_are_clear():
    with pytest.raises(ParameterError, match="reps"):
        DARUAN(reps=0)
    with pytest.raises(ParameterError, match="readout"):
        QKANLayer(2, 2, readout="zz")
    with pytest.raises(ShapeError, match="channels"):
        DARUAN(num_parameters=3)(torch.randn(2, 4))
    with pytest.raises(ParameterError, match="extend"):
        DARUAN(reps=3).extend(2)


def test_hqkan_extension_preserves_outputs_float64():
    torch.manual_seed(0)
    h = HQKAN(32, 16, reps=2, preact_trainable=True).double()
    with torch.no_grad():
        h.qkan.theta.add_(torch.randn_like(h.qkan.theta))
        h.qkan.preact_w.add_(0.5 * torch.randn_like(h.qkan.preact_w))
    x = torch.randn(8, 32, dtype=D)
    ext = h.extend(4)
    assert ext.qkan.reps == 4 and h.qkan.reps == 2
    assert (ext(x) - h(x)).abs().max().item() <= 1e-5
