"""Agreement with the qkan package (installed by the test extras; skipped where it is missing)."""
import pytest
import torch

from actlab.kan.qkan import QKANLayer


@pytest.mark.parametrize("readout", ["z", "amplitude"])
def test_qkan_layer_equals_qkan_package_exact_solver(readout):
    qkan = pytest.importorskip("qkan")
    torch.manual_seed(0)
    peer = qkan.QKANLayer(4, 3, reps=3, fast_measure=readout == "amplitude", preact_trainable=True,
                          ba_trainable=True, postact_weight_trainable=True, postact_bias_trainable=True,
                          p_dtype=torch.float64, c_dtype=torch.complex128)
    with torch.no_grad():
        for name, p in peer.named_parameters():
            if name != "mask":
                p.add_(0.3 * torch.randn_like(p))
    ours = QKANLayer(4, 3, 3, preact_trainable=True, base=True, readout=readout).double()
    with torch.no_grad():
        ours.theta.copy_(peer.theta)
        ours.preact_w.copy_(peer.preacts_weight)
        ours.preact_b.copy_(peer.preacts_bias)
        ours.postact_w.copy_(peer.postact_weights)
        ours.postact_b.copy_(peer.postact_bias)
        ours.base.copy_(peer.base_weight)
    x = torch.randn(32, 4, dtype=torch.float64)
    torch.testing.assert_close(ours(x), peer(x), atol=1e-12, rtol=0)
