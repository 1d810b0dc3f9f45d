"""The zoo's learnable specs (prelu, swish_beta, crrelu, snake, smelu) train through the generic mechanism."""
import pytest
import torch

import actlab

D = torch.float64
# name -> (parameter, value to start from, independent reference f(x, p) with p broadcast on dim 1)
CASES = {
    "prelu": ("a", 0.25, lambda x, a: torch.where(x >= 0, x, a * x)),
    "swish_beta": ("beta", 1.0, lambda x, b: x / (1 + torch.exp(-b * x))),
    "crrelu": ("eps", 0.01, lambda x, e: torch.clamp(x, min=0) + e * x * torch.exp(-x * x / 2)),
    "snake": ("a", 1.0, lambda x, a: x + torch.sin(a * x) ** 2 / a),
    "smelu": ("beta", 2.0, lambda x, b: torch.where(x <= -b, torch.zeros_like(x),
                                                     torch.where(x >= b, x, (x + b) ** 2 / (4 * b)))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_learnable_variant_has_per_channel_parameter_and_matches_reference(name):
    pname, default, ref = CASES[name]
    m = actlab.create(name, learnable=True, num_parameters=3).double()
    p = getattr(m, pname)
    assert isinstance(p, torch.nn.Parameter) and p.shape == (3,)
    with torch.no_grad():
        p.copy_(torch.tensor([0.5, 1.3, 2.1], dtype=D) * default)
    x = torch.randn(4, 3, 5, dtype=D) * 3
    torch.testing.assert_close(m(x), ref(x, p.detach().view(1, 3, 1)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_per_channel_parameter_gradcheck_float64(name):
    """Through the module itself (torch.func.functional_call swaps in the float64 parameter under test)."""
    pname, default, _ = CASES[name]
    m = actlab.create(name, learnable=True, num_parameters=3).double()
    torch.manual_seed(0)
    base = torch.tensor([0.6, 1.1, 1.7], dtype=D) * default
    x = (torch.randn(2, 3, 4, dtype=D) * 2).requires_grad_()
    if name == "smelu":   # keep samples away from the kinks at ±β where the derivative in β jumps
        x = x.detach().clamp(-0.9 * base.min(), 0.9 * base.min()).requires_grad_()
    p = base.clone().requires_grad_()

    def g(x, p):
        return torch.func.functional_call(m, {pname: p}, (x,))

    assert torch.autograd.gradcheck(g, (x, p))


@pytest.mark.parametrize("name", sorted(CASES))
def test_learnable_parameter_moves_under_training(name):
    pname, default, _ = CASES[name]
    torch.manual_seed(0)
    m = actlab.create(name, learnable=True, num_parameters=2)
    x = torch.randn(64, 2, 4) * 2
    target = torch.randn(64, 2, 4)
    before = getattr(m, pname).detach().clone()
    opt = torch.optim.SGD(m.parameters(), lr=0.05)
    for _ in range(5):
        loss = (m(x) - target).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        assert getattr(m, pname).grad is not None and getattr(m, pname).grad.abs().sum() > 0
        opt.step()
    after = getattr(m, pname).detach()
    assert not torch.equal(before, after) and not torch.equal(after[0], after[1])
