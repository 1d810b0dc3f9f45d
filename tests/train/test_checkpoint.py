"""Checkpoints round-trip through torch.load(weights_only=True) and refuse arbitrary pickles."""
import pickle

import pytest
import torch
from torch import nn

from actlab.core.errors import ConfigError
from actlab.train import load_checkpoint, save_checkpoint


def _model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.SiLU(), nn.Linear(5, 2))


def test_checkpoint_round_trip_restores_weights_optimizer_and_meta(tmp_path):
    m = _model(0)
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    m(torch.randn(4, 3)).sum().backward()
    opt.step()
    path = save_checkpoint(tmp_path / "sub" / "ck.pt", m, opt, epoch=3, act="silu", curve=[0.1, 0.2])
    fresh, fresh_opt = _model(1), torch.optim.Adam(_model(1).parameters(), lr=1e-2)
    state = load_checkpoint(path, fresh, fresh_opt)
    x = torch.randn(7, 3)
    assert torch.equal(fresh(x), m(x))
    assert state["meta"] == {"epoch": 3, "act": "silu", "curve": [0.1, 0.2]}
    assert torch.equal(fresh_opt.state_dict()["state"][0]["exp_avg"], opt.state_dict()["state"][0]["exp_avg"])


class Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_load_refuses_a_checkpoint_holding_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model": {}, "optimizer": None, "meta": {"x": Evil()}}, path)
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(path)


def test_missing_checkpoint_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nope.pt")
