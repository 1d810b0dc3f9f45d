"""Cross-checks against pykan 0.2.8 (installed by the test extras; skipped where it is missing)."""
import pytest
import torch


@pytest.fixture(autouse=True)
def _pykan(monkeypatch, tmp_path):
    pytest.importorskip("kan")
    monkeypatch.chdir(tmp_path)  # pykan may write ./model files


def test_bspline_basis_equals_pykan_b_batch():
    from kan.spline import B_batch

    from actlab.kan.bspline import bspline_basis, extend_grid

    grid = extend_grid(torch.linspace(-1, 1, 6, dtype=torch.float64).expand(3, 6), 3)
    x = torch.rand(200, 3, dtype=torch.float64) * 3 - 1.5
    torch.testing.assert_close(bspline_basis(x, grid, 3), B_batch(x, grid, k=3), atol=1e-12, rtol=0)


def test_layer_equals_pykan_layer_with_copied_parameters():
    from kan.KANLayer import KANLayer as PyLayer

    from actlab.kan import KANLayer

    torch.manual_seed(0)
    ref = PyLayer(in_dim=3, out_dim=4, num=5, k=3).double()
    ours = KANLayer(3, 4, grid=5, k=3).double()
    with torch.no_grad():  # pykan stores (in, out, ...); we store (out, in, ...)
        ours.basis.knots.copy_(ref.grid)
        ours.coef.copy_(ref.coef.permute(1, 0, 2))
        ours.scale_base.copy_(ref.scale_base.T)
        ours.scale_sp.copy_(ref.scale_sp.T)
    x = torch.randn(100, 3, dtype=torch.float64)
    y_ref, _, postacts, _ = ref(x)
    torch.testing.assert_close(ours(x), y_ref, atol=1e-12, rtol=0)
    ours.record = True
    ours(x)
    torch.testing.assert_close(ours.last.edges, postacts, atol=1e-12, rtol=0)


def test_grid_update_equals_pykan():
    from kan.KANLayer import KANLayer as PyLayer

    from actlab.kan import KANLayer

    torch.manual_seed(0)
    ref = PyLayer(in_dim=2, out_dim=3, num=5, k=3).double()
    ours = KANLayer(2, 3, grid=5, k=3).double()
    with torch.no_grad():
        ours.coef.copy_(ref.coef.permute(1, 0, 2))
    x = torch.randn(300, 2, dtype=torch.float64) * 0.5
    ref.update_grid_from_samples(x)
    ours.update_grid(x)
    torch.testing.assert_close(ours.basis.knots, ref.grid, atol=1e-12, rtol=0)
    torch.testing.assert_close(ours.coef, ref.coef.permute(1, 0, 2), atol=1e-6, rtol=0)


def _copy_pykan(ref, ours):
    with torch.no_grad():
        for a, b in zip(ref.act_fun, ours.layers):
            b.basis.knots.copy_(a.grid)
            b.coef.copy_(a.coef.permute(1, 0, 2))
            b.scale_base.copy_(a.scale_base.T)
            b.scale_sp.copy_(a.scale_sp.T)


def test_model_forward_and_regulariser_equal_pykan():
    from kan import KAN as PyKAN

    from actlab.kan import KAN

    torch.set_default_dtype(torch.float64)
    try:
        ref = PyKAN(width=[2, 3, 1], grid=5, k=3, seed=1, auto_save=False)
    finally:
        torch.set_default_dtype(torch.float32)
    ours = KAN([2, 3, 1], grid=5, k=3).double()
    _copy_pykan(ref, ours)
    x = torch.rand(200, 2, dtype=torch.float64) * 2 - 1
    y_ref = ref(x)
    y = ours.record_pass(x)
    torch.testing.assert_close(y, y_ref, atol=1e-12, rtol=0)
    reg_ref = ref.get_reg("edge_forward_spline_n", 1.0, 2.0, 0.5, 0.25)
    reg = ours.regularization(1.0, 2.0, 0.5, 0.25)
    torch.testing.assert_close(reg, reg_ref, atol=1e-10, rtol=0)
