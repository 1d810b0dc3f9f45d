"""AF-KAN and S-KAN features against formulas written out here in numpy (kan_learnable.md §2.4, §2.5)."""
import numpy as np
import pytest
import torch

from actlab.kan import KANLayer
from actlab.kan.basis import make_basis

ACTS = {"relu": lambda t: np.maximum(t, 0), "silu": lambda t: t / (1 + np.exp(-t)), "tanh": np.tanh}
COMBOS = {"quad1": lambda a, b: (a * b) ** 2, "quad2": lambda a, b: a * b + a ** 2 + b ** 2,
          "sum": lambda a, b: a + b, "prod": lambda a, b: a * b, "sum_prod": lambda a, b: a + b + a * b,
          "cubic1": lambda a, b: (a + b) * (a ** 2 + b ** 2), "cubic2": lambda a, b: (a * b) ** 3}


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("combine", sorted(COMBOS))
def test_af_kan_features_equal_combination_of_shifted_activations(act, combine):
    grid, k, lo, hi = 4, 2, -1.0, 1.5
    basis = make_basis("af", 3, grid=grid, k=k, grid_range=(lo, hi), act=act, combine=combine).double()
    x = np.linspace(-2.5, 2.5, 90).reshape(30, 3)
    h = (hi - lo) / grid
    s = lo + (np.arange(grid + k) - k) * h
    e = s + (k + 1) * h
    sig, f = ACTS[act], COMBOS[combine]
    want = f(sig(x[..., None] - s), sig(e - x[..., None])) / f(sig((e - s) / 2), sig((e - s) / 2))
    got = basis(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_af_kan_with_relu_and_quad1_is_relu_kan():
    opts = {"grid": 5, "k": 3, "grid_range": (-1.0, 1.0)}
    af = make_basis("af", 4, act="relu", combine="quad1", **opts).double()
    relu_kan = make_basis("relu", 4, **opts).double()
    x = torch.linspace(-1.5, 1.5, 200, dtype=torch.float64).reshape(50, 4)
    torch.testing.assert_close(af(x), relu_kan(x), rtol=1e-9, atol=1e-12)


def test_selectable_features_are_softmax_weighted_spaces():
    torch.manual_seed(0)
    spaces = ("chebyshev", ("fourier", {"grid": 2}), ("bspline", {"grid": 3}))
    layer = KANLayer(3, 2, basis="selectable", spaces=spaces).double()
    logits = np.array([[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [3.0, 1.0, -2.0]])
    with torch.no_grad():
        layer.basis.logits.copy_(torch.from_numpy(logits))
    x = torch.rand(20, 3, dtype=torch.float64) * 2 - 1
    w = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)  # (in, S)
    parts = [make_basis("chebyshev", 3).double()(x), make_basis("fourier", 3, grid=2).double()(x),
             make_basis("bspline", 3, grid=3).double()(x)]
    want = np.concatenate([p.detach().numpy() * w[None, :, s, None] for s, p in enumerate(parts)], axis=-1)
    np.testing.assert_allclose(layer.basis(x).detach().numpy(), want, rtol=1e-10, atol=1e-12)
    layer.basis.harden()  # each node keeps its best space alone, with weight exactly 1
    hard = layer.basis(x).detach().numpy()
    best = logits.argmax(1)
    sizes = np.cumsum([0] + [p.shape[-1] for p in parts])
    for i in range(3):
        for s, p in enumerate(parts):
            block = hard[:, i, sizes[s]:sizes[s + 1]]
            np.testing.assert_allclose(block, p.detach().numpy()[:, i] if s == best[i] else 0 * block, atol=1e-12)
