"""A toy task (milliseconds per run) standing in for `actlab.tasks` so runner tests train something real."""
from __future__ import annotations

import math
import time

import pytest
import torch
from torch import nn

import actlab
from actlab.core.errors import UnknownNameError


class ToyTask:
    """Two-moons-like classification with a 2-8-2 MLP, a few full-batch Adam steps per epoch."""

    metric, higher_is_better = "accuracy", True

    def __init__(self, name: str, diverge_on: tuple[str, ...] = (), crash_on: tuple[str, ...] = ()):
        self.name, self.diverge_on, self.crash_on = name, diverge_on, crash_on
        self.calls: list[tuple[str, int]] = []

    def run(self, act, seed, epochs: int = 3, callbacks=(), **kw):
        self.calls.append((act, seed))
        if act in self.crash_on:
            raise RuntimeError(f"toy crash on {act}")
        t0 = time.perf_counter()
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(128, 2, generator=g)
        y = ((x[:, 0] * x[:, 1]) > 0).long()
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(2, 8), actlab.create(act), nn.Linear(8, 2))
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        curve, diverged = [], act in self.diverge_on
        for ep in range(epochs):
            for _ in range(5):
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(x), y)
                loss.backward()
                opt.step()
            acc = (model(x).argmax(1) == y).float().mean().item()
            curve.append({"epoch": ep, "train_loss": loss.item(), "val_metric": math.nan if diverged else acc})
            for cb in callbacks:
                cb(ep)
            if diverged:
                break
        wall = time.perf_counter() - t0
        return {"task": self.name, "act": act, "seed": seed, "metric": self.metric,
                "value": math.nan if diverged else acc, "higher_is_better": True, "diverged": diverged,
                "wall_time": wall, "step_time": wall / (5 * len(curve)),
                "params": sum(p.numel() for p in model.parameters()), "peak_mem": 0.0, "curve": curve,
                "epochs": len(curve)}


@pytest.fixture
def toy_tasks(monkeypatch):
    """Install toy tasks `toy_a`, `toy_b` (tanh diverges on toy_b) behind `actlab.tasks.get_task`."""
    import actlab.tasks

    tasks = {"toy_a": ToyTask("toy_a"), "toy_b": ToyTask("toy_b", diverge_on=("tanh",))}

    def get_task(name):
        if name not in tasks:
            raise UnknownNameError("task", name, tasks)
        return tasks[name]

    monkeypatch.setattr(actlab.tasks, "get_task", get_task, raising=False)
    # tiny models on a shared 2-core VM: a second intra-op thread only adds spin-waiting (100x slower under load)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield tasks
    torch.set_num_threads(threads)
