"""Generated activation classes pickle (torch.save of a whole model, process pools, Ray), keeping their state."""
import io
import pickle

import pytest
import torch
from torch import nn

import actlab


@pytest.mark.parametrize("name", [n for n in actlab.names() if actlab.get(n).kind in ("elementwise", "gated")])
def test_every_zoo_module_pickles_with_its_parameters(name):
    m = actlab.create(name)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(0.25)  # a trained value must survive, not the default
    back = pickle.loads(pickle.dumps(m))
    assert type(back) is type(m)
    for (n1, p1), (n2, p2) in zip(m.named_parameters(), back.named_parameters()):
        assert n1 == n2 and torch.equal(p1, p2)
    x = torch.randn(3, 8)
    if name != "rrelu":  # random in training mode
        torch.testing.assert_close(back(x), m(x))


def test_whole_model_with_swapped_activations_saves_and_loads():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    actlab.swap(model, "relu", "crrelu")
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    back = torch.load(buf, weights_only=False)  # a full pickle of our own object, written just above
    x = torch.randn(5, 4)
    torch.testing.assert_close(back(x), model(x))
