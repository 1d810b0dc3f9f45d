import pytest
import torch

import actlab
from actlab.core.errors import ParameterError, ShapeError
from actlab.learnable.evonorm import EvoNormB0, EvoNormS0


def _b0_reference(x, var, v1, eps):
    """Direct transcription of the paper's formula for (N, C, H, W)."""
    inst = x.var(dim=(2, 3), unbiased=False, keepdim=True)
    den = torch.maximum(torch.sqrt(var.view(1, -1, 1, 1) + eps), v1.view(1, -1, 1, 1) * x + torch.sqrt(inst + eps))
    return x / den


def test_b0_train_mode_uses_batch_variance_and_updates_running_stats():
    torch.manual_seed(0)
    m = actlab.create("evonorm_b0", num_features=4)
    x = torch.randn(6, 4, 5, 5) * 3
    y = m(x)
    var = x.var(dim=(0, 2, 3), unbiased=False)
    torch.testing.assert_close(y, _b0_reference(x, var, m.v1.detach(), m.eps))
    torch.testing.assert_close(m.running_var, 0.9 + 0.1 * x.var(dim=(0, 2, 3), unbiased=True))


def test_b0_eval_uses_running_statistics_not_the_batch():
    torch.manual_seed(0)
    m = EvoNormB0(4)
    for _ in range(20):
        m(torch.randn(8, 4, 3, 3) * 2 + 1)
    m.eval()
    x = torch.randn(5, 4, 3, 3)
    y_all = m(x)
    torch.testing.assert_close(y_all, _b0_reference(x, m.running_var, m.v1.detach(), m.eps))
    y_one = m(x[:1])
    other = torch.cat([x[:1], 10 * torch.randn(3, 4, 3, 3)])
    torch.testing.assert_close(y_one[0], y_all[0])
    torch.testing.assert_close(m(other)[0], y_all[0])   # changing the rest of the batch changes nothing
    before = m.running_var.clone()
    m(x)
    torch.testing.assert_close(m.running_var, before)


def test_b0_train_output_depends_on_the_batch():
    torch.manual_seed(0)
    m = EvoNormB0(3)
    x = torch.randn(4, 3, 4, 4)
    y1 = m(x)[0]
    y2 = m(torch.cat([x[:1], 20 * torch.randn(3, 3, 4, 4)]))[0]
    assert not torch.allclose(y1, y2)


def test_s0_matches_formula_and_is_batch_independent_in_train_mode():
    torch.manual_seed(0)
    m = EvoNormS0(8, groups=2)
    with torch.no_grad():
        m.v1.uniform_(0.5, 2.0)
    x = torch.randn(5, 8, 3, 3)
    y = m(x)
    xg = x.reshape(5, 2, 4, 3, 3)
    std = torch.sqrt(xg.var(dim=(2, 3, 4), unbiased=False, keepdim=True) + m.eps)
    ref = (x * torch.sigmoid(m.v1.detach().view(1, -1, 1, 1) * x)).reshape(5, 2, 4, 3, 3) / std
    torch.testing.assert_close(y, ref.reshape(5, 8, 3, 3))
    assert m.training
    torch.testing.assert_close(m(x[2:3])[0], y[2])
    torch.testing.assert_close(m(torch.cat([x[2:3], 50 * torch.randn(7, 8, 3, 3)]))[0], y[2])
    m.eval()
    torch.testing.assert_close(m(x), y)


def test_evonorm_parameters_receive_gradients():
    for m in (EvoNormB0(4), EvoNormS0(4)):
        m(torch.randn(3, 4, 2, 2)).pow(2).sum().backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.parameters())


def test_evonorm_bad_shapes_and_groups_raise():
    with pytest.raises(ShapeError, match=r"\(N, 4"):
        EvoNormB0(4)(torch.randn(2, 3, 5))
    with pytest.raises(ParameterError, match="groups"):
        EvoNormS0(10, groups=3)
    assert EvoNormS0(48).groups == 24
