"""swap() into layers with per-channel state: each site's width read from one pass of an example batch."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import actlab
from actlab.core.errors import ParameterError
from actlab.core.swap import identify


def cnn() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 6, 3), nn.ReLU(),
                         nn.Flatten(), nn.Linear(6 * 4 * 4, 10), nn.ReLU())


X = torch.randn(3, 1, 8, 8)


@pytest.mark.parametrize("name", ["evonorm_b0", "evonorm_s0"])
def test_evonorm_gets_each_sites_channel_count(name):
    m = cnn()
    bn_mean = m[1].running_mean.clone()
    assert actlab.swap(m, "relu", name, example=X) == 3
    assert [m[i].num_features for i in (2, 4, 7)] == [4, 6, 10]  # conv, conv, linear widths
    assert m.training and all(mod.training for mod in m.modules())  # the example pass ran in eval mode...
    torch.testing.assert_close(m[1].running_mean, bn_mean)  # ...so BatchNorm's statistics did not move
    assert m(X).shape == (3, 10)


def test_prelu_auto_is_per_channel_and_computes_prelu():
    m = cnn()
    assert actlab.swap(m, "relu", "prelu", num_parameters="auto", example=X) == 3
    act = m[4]
    weights = [p for p in act.parameters()]
    assert [tuple(w.shape) for w in weights] == [(6,)]
    with torch.no_grad():
        weights[0].copy_(torch.linspace(-0.5, 0.5, 6))
    h = torch.randn(2, 6, 3, 3)
    torch.testing.assert_close(act(h), F.prelu(h, weights[0]))


@pytest.mark.parametrize("name,params", [("daruan", {"num_parameters": "auto", "reps": 2}), ("rational", {}),
                                         ("grkan", {"groups": 2, "dim": 1})])
def test_learnable_layers_swap_into_a_model_and_train(name, params):
    m = cnn()
    assert actlab.swap(m, "relu", name, example=X, **params) == 3
    assert all(identify(m[i]) == actlab.get(name).name for i in (2, 4, 7))
    loss = m(X).square().mean()
    loss.backward()
    assert all(p.grad is not None for p in m[2].parameters())


def test_width_needed_without_example_is_a_clear_error():
    with pytest.raises(ParameterError, match="example="):
        actlab.swap(cnn(), "relu", "evonorm_b0")
    with pytest.raises(ParameterError, match="num_features"):
        actlab.create("evonorm_b0")
    with pytest.raises(ParameterError, match="'auto' is filled in"):
        actlab.create("prelu", num_parameters="auto")


def test_sites_the_example_does_not_reach_or_shared_at_two_widths_are_named():
    class Skips(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.unused = nn.Sequential(nn.Linear(3, 5), nn.ReLU()), nn.ReLU()

        def forward(self, x):
            return self.body(x)

    with pytest.raises(ParameterError, match="'unused'.*not called"):
        actlab.swap(Skips(), "relu", "evonorm_b0", example=torch.randn(2, 3))

    class Shared(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.act = nn.Linear(3, 5), nn.Linear(5, 7), nn.ReLU()

        def forward(self, x):
            return self.act(self.b(self.act(self.a(x))))

    with pytest.raises(ParameterError, match=r"widths \[5, 7\]"):
        actlab.swap(Shared(), "relu", "evonorm_b0", example=torch.randn(2, 3))


def test_layer_constructor_errors_name_the_parameter():
    with pytest.raises(ParameterError, match="did you mean: m"):
        actlab.create("rational", mm=3)
    with pytest.raises(ParameterError, match="valid: m, n"):
        actlab.create("rational", foo=1)
    assert actlab.create("rational", inplace=True).fit_error < 0.03  # inplace is best effort, as in timm


def test_auto_width_pass_does_not_keep_module_outputs_alive():
    """swap's example pass records each output's shape/producer, not the tensor: an intermediate output that
    the model itself has dropped is freed during the pass (a weak reference to it is dead by the next layer)."""
    import weakref

    import torch
    from torch import nn

    import actlab

    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    refs: list = []
    alive_later: list[bool] = []
    model[0].register_forward_hook(lambda m, a, out: refs.append(weakref.ref(out)))
    # by the last Linear, Sequential has dropped the first Linear's output (nothing else holds it under no_grad)
    model[4].register_forward_pre_hook(lambda m, a: alive_later.append(refs[-1]() is not None))
    n = actlab.swap(model, "relu", "prelu", num_parameters="auto", example=torch.randn(3, 4))
    assert n == 2 and [m.a.numel() for m in (model[1], model[3])] == [16, 16]
    assert alive_later == [False]
    assert refs[-1]() is None
