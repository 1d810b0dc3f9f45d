"""`core.moments`: the mean and ε-guarded std over an index set, against a direct computation."""
import torch

from actlab.core import moments


def test_std_is_the_root_of_the_biased_variance_plus_eps():
    x = torch.randn(4, 3, 5, dtype=torch.float64)
    got = moments.std(x, (0, 2), eps=1e-3)
    n = 4 * 5
    mu = x.sum(dim=(0, 2), keepdim=True) / n
    ref = torch.sqrt(((x - mu) ** 2).sum(dim=(0, 2), keepdim=True) / n + 1e-3)
    torch.testing.assert_close(got, ref)
    assert moments.std(x, (0, 2), expand=True).shape == x.shape


def test_no_dims_means_each_element_is_its_own_set():
    x = torch.randn(6, 4)
    assert torch.equal(moments.mean(x, ()), x)
    assert torch.allclose(moments.std(x, (), eps=1e-4), torch.full_like(x, 1e-2))
