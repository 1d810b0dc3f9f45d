"""Stored runs are keyed by the task's definition, so a changed task never reuses stale results."""
import dataclasses

import actlab.tasks
from actlab.bench.config import resolve_suite
from actlab.bench.runner import TASK_FINGERPRINT, plan


def _keys():
    cfg = resolve_suite(None, acts=["relu"], tasks=["digits_mlp"], seeds=[0])
    return [r.key for r in plan(cfg)]


def test_run_key_changes_with_the_task_budget_or_version(monkeypatch):
    before = _keys()
    assert before == _keys()  # deterministic
    real = actlab.tasks.get_task("digits_mlp")
    for changed in (dataclasses.replace(real, budget={**real.budget, "epochs": 99}),
                    dataclasses.replace(real, version=real.version + 1)):
        monkeypatch.setattr(actlab.tasks, "get_task", lambda name, t=changed: t)
        assert _keys() != before


def test_fingerprint_is_not_passed_to_the_task_as_an_override():
    cfg = resolve_suite(None, acts=["relu"], tasks=["digits_mlp"], seeds=[0])
    spec = plan(cfg)[0]
    assert TASK_FINGERPRINT in spec.options
    assert spec.options[TASK_FINGERPRINT] == actlab.tasks.get_task("digits_mlp").fingerprint()
