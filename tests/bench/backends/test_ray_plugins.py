"""Ray workers load the plugins of the submitting process (sent with each job, not inherited from its modules)."""
import sys

import pytest

pytest.importorskip("ray")
pytestmark = pytest.mark.ray

import actlab  # noqa: E402
from actlab.bench.backends import get_backend  # noqa: E402
from actlab.bench.runner import execute_run  # noqa: E402
from actlab.core import plugins  # noqa: E402
from actlab.core.registry import ACTIVATIONS  # noqa: E402

PLUGIN = '''
import torch
import actlab
from actlab import ActivationSpec, Source
actlab.register(ActivationSpec("ray_plug_act", "smooth", "x·σ(3x)", Source("test"),
                               fn=lambda x: x * torch.sigmoid(3 * x)), replace=True)
'''


def test_a_ray_worker_runs_an_activation_defined_by_a_plugin_file(tmp_path, monkeypatch):
    (tmp_path / "rayplug.py").write_text(PLUGIN)
    monkeypatch.setattr(plugins, "_LOADED", {})
    monkeypatch.setattr(sys, "path", list(sys.path))
    with ACTIVATIONS.scratch():
        plugins.load([str(tmp_path / "rayplug.py")])
        here = execute_run("xor", "ray_plug_act", 0, {"epochs": 1})
        be = get_backend("ray", num_workers=1)
        try:
            there = be.result(be.submit(execute_run, "xor", "ray_plug_act", 0, {"epochs": 1}))
        finally:
            be.shutdown()
    assert "ray_plug_act" not in actlab.names()
    assert there["value"] == here["value"] and there["curve"] == here["curve"]  # same seeded run, same numbers
