"""Every basis: float64 gradcheck of a tiny layer, shapes, and fast path == recorded per-edge sum."""
import pytest
import torch
from torch.func import functional_call

from actlab.kan import KAN, KANLayer, basis_names
from actlab.kan.basis import BASES as REGISTRY

BASES = basis_names()
SMALL = {b: REGISTRY.meta(b)["small"] for b in BASES}  # each basis' quick-instance parameters (its entry)


def tiny(basis: str, n_in: int = 2, n_out: int = 3) -> KANLayer:
    torch.manual_seed(0)
    layer = KANLayer(n_in, n_out, basis=basis, **SMALL.get(basis, {})).double()
    with torch.no_grad():  # move every parameter off special points (|b| at 0, equal logits)
        for p in layer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return layer


def test_registry_lists_every_issue_basis():
    assert {"bspline", "rbf", "relu", "chebyshev", "fourier", "legendre", "rational", "af", "selectable",
            "matrix"} <= set(BASES)


@pytest.mark.parametrize("basis", BASES)
def test_gradcheck_float64(basis):
    layer = tiny(basis)
    names = [n for n, _ in layer.named_parameters()]
    params = tuple(p.detach().clone().requires_grad_(True) for _, p in layer.named_parameters())
    x = (torch.rand(5, 2, dtype=torch.float64) * 1.6 - 0.8).requires_grad_(True)

    def f(x, *ps):
        return functional_call(layer, dict(zip(names, ps)), (x,))

    assert torch.autograd.gradcheck(f, (x, *params), eps=1e-6, atol=1e-6, fast_mode=True)


@pytest.mark.parametrize("basis", BASES)
def test_shapes_with_leading_dims(basis):
    layer = tiny(basis, 2, 4)
    assert layer(torch.randn(3, 5, 2, dtype=torch.float64)).shape == (3, 5, 4)
    feats = layer.basis(torch.randn(7, 2, dtype=torch.float64))
    assert feats.shape == (7, 2, layer.basis.num_features)
    assert layer.coef.shape == (4, 2, layer.basis.num_features)


@pytest.mark.parametrize("basis", BASES)
def test_fast_path_equals_recorded_edge_sum(basis):
    layer = tiny(basis, 3, 4)
    x = torch.randn(64, 3, dtype=torch.float64)
    fast = layer(x)
    layer.record = True
    rec = layer(x)
    torch.testing.assert_close(rec, fast, atol=1e-12, rtol=0)
    bias = layer.bias if layer.bias is not None else 0
    torch.testing.assert_close(layer.last.edges.sum(-1) + bias, fast, atol=1e-12, rtol=0)
    assert layer.last.edges.shape == (64, 4, 3)


@pytest.mark.parametrize("basis", BASES)
def test_kan_stack_trains_one_step(basis):
    torch.manual_seed(0)
    model = KAN([2, 3, 1], basis=basis, **SMALL.get(basis, {}))
    x, y = torch.randn(32, 2), torch.randn(32, 1)
    loss = ((model(x) - y) ** 2).mean()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_selectable_harden_keeps_one_space_per_node():
    layer = tiny("selectable", 3, 2)
    with torch.no_grad():
        layer.basis.logits.copy_(torch.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 0.5]]))
    assert layer.basis.harden() == ["bspline", "chebyshev", "bspline"]
    w = layer.basis.weights()
    torch.testing.assert_close(w, torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=w.dtype))


def test_rational_basis_starts_close_to_silu():
    layer = KANLayer(8, 1, basis="rational", groups=2).double()
    x = torch.linspace(-3, 3, 301, dtype=torch.float64)[:, None].expand(301, 8)
    feats = layer.basis(x)[..., 0]
    assert (feats - torch.nn.functional.silu(x)).abs().max() < 0.05


def test_rational_basis_init_preserves_variance():
    torch.manual_seed(0)
    layer = KANLayer(256, 256, basis="rational")
    with torch.no_grad():
        y = layer(torch.randn(4096, 256))
    assert 0.8 < y.var().item() < 1.25


def test_base_branch_accepts_zoo_activations_and_none():
    torch.manual_seed(0)
    x = torch.randn(16, 3, dtype=torch.float64)
    gelu = KANLayer(3, 2, base="gelu").double()
    assert gelu.base_name == "gelu"
    expected = (gelu.basis(x).flatten(1) @ gelu.spline_weight().flatten(1).T
                + torch.nn.functional.gelu(x) @ gelu.scale_base.T)
    torch.testing.assert_close(gelu(x), expected)
    assert KANLayer(3, 2, base="none").scale_base is None
