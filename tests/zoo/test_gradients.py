"""Backward passes: gradcheck in float64 for custom backwards and learnable parameters; surrogates."""
import pytest
import torch

import actlab
from actlab.zoo import kernels

X = torch.linspace(-4, 4, 37, dtype=torch.float64) + 0.0123


@pytest.mark.parametrize("name", ["helu", "biper", "regelu2", "resilu2"])
def test_custom_backward_matches_its_stated_surrogate(name):
    x = X.clone().requires_grad_(True)
    y = actlab.create(name)(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    xd = X
    if name == "helu":
        want = (xd > -0.05).double()
    elif name == "biper":
        want = 20.0 * torch.cos(20.0 * xd)
    else:
        c, levels = kernels.REGELU2 if name == "regelu2" else kernels.RESILU2
        code = sum((xd > ci).long() for ci in c)
        want = torch.tensor(levels, dtype=torch.float64)[code]
    torch.testing.assert_close(g, want)


def test_approx_bp_levels_satisfy_the_paper_constraints():
    for c, levels in (kernels.REGELU2, kernels.RESILU2):
        a = [levels[1], levels[2] - levels[1], levels[3] - levels[2]]
        assert abs(sum(a) - 1) < 1e-7 and abs(sum(ai * ci for ai, ci in zip(a, c))) < 1e-6


EXACT = [n for n in actlab.names(kind="elementwise") if actlab.get(n).grad == "exact" and n != "rrelu"]
LEARNABLE = [n for n in EXACT if any(p.learnable for p in actlab.get(n).params)]


def _away_from_kinks(shape):
    x = torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 2
    return (x + 0.01 * torch.sign(x)).requires_grad_(True)


@pytest.mark.parametrize("name", EXACT)
def test_gradcheck_wrt_input(name):
    m = actlab.create(name).double()
    assert torch.autograd.gradcheck(m, (_away_from_kinks((2, 3, 4)),), atol=1e-5)


@pytest.mark.parametrize("name", LEARNABLE)
def test_gradcheck_wrt_per_channel_learnable_parameters(name):
    m = actlab.create(name, num_parameters=3).double()
    names = [n for n, _ in m.named_parameters()]
    assert names == [p.name for p in actlab.get(name).params if p.learnable]
    x = _away_from_kinks((2, 3, 4))
    params = tuple(p.detach().clone().requires_grad_(True) for p in m.parameters())

    def f(inp, *ps):
        return torch.func.functional_call(m, dict(zip(names, ps)), (inp,))

    assert torch.autograd.gradcheck(f, (x, *params), atol=1e-5)
