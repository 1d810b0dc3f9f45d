"""pykan's regulariser (reg_metric 'edge_forward_spline_n', kan_learnable.md §1.5) against an independent
computation: every edge's activation is read off the plain forward pass with all other inputs held at 0
(y_j = Σ_i φ_ji(u_i) + b_j, so the batch std of that output is the edge's std), then the formula in numpy."""
import numpy as np
import pytest
import torch

from actlab.kan import KAN


def edge_std(layer, u: torch.Tensor) -> np.ndarray:
    """(out, in) batch std (ddof 1) of each edge's activation, from forward passes of one input at a time."""
    cols = []
    with torch.no_grad():
        for i in range(u.shape[1]):
            only = torch.zeros_like(u)
            only[:, i] = u[:, i]
            cols.append(layer(only).numpy().std(0, ddof=1))
    return np.stack(cols, axis=1)


def reference(model: KAN, x: torch.Tensor, l1: float, ent: float, coef: float, coefdiff: float) -> float:
    total, u = 0.0, x
    for layer in model.layers:
        v = edge_std(layer, u) / (u.numpy().std(0, ddof=1) + 0.1)  # (out, in)
        p_row = v / (v.sum(1, keepdims=True) + 1)
        p_col = v / (v.sum(0, keepdims=True) + 1)
        h_row = -(p_row * np.log2(p_row + 1e-4)).sum(1).mean()
        h_col = -(p_col * np.log2(p_col + 1e-4)).sum(0).mean()
        c = layer.coef.detach().numpy()
        total += l1 * v.sum() + ent * (h_row + h_col)
        total += coef * np.abs(c).mean(0).sum() + coefdiff * np.abs(np.diff(c, axis=-1)).mean(0).sum()
        with torch.no_grad():
            u = layer(u)
    return float(total)


@pytest.mark.parametrize("weights", [(1.0, 2.0, 0.0, 0.0), (0.5, 0.0, 0.3, 0.7), (0.0, 1.0, 0.0, 0.0)])
def test_regulariser_equals_formula_on_edge_activations(weights):
    torch.manual_seed(0)
    model = KAN([3, 4, 2], grid=5, k=3).double()
    with torch.no_grad():
        for layer in model.layers:  # spread the edges' sizes so the entropy terms are not degenerate
            layer.coef.mul_(torch.rand_like(layer.coef[..., :1]) * 3)
    x = torch.rand(200, 3, dtype=torch.float64) * 2 - 1
    model.record_pass(x)
    got = model.regularization(*weights).item()
    assert got == pytest.approx(reference(model, x, *weights), rel=1e-9)


def test_regulariser_gradient_shrinks_edges():
    torch.manual_seed(1)
    model = KAN([2, 3, 1], grid=5, k=3).double()
    x = torch.rand(100, 2, dtype=torch.float64) * 2 - 1
    model.record_pass(x)
    before = model.regularization(1.0, 0.0).item()
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(20):
        opt.zero_grad()
        model.record_pass(x)
        model.regularization(1.0, 0.0).backward()
        opt.step()
    model.record_pass(x)
    assert model.regularization(1.0, 0.0).item() < 0.5 * before
