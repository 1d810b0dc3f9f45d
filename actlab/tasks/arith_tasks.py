"""Arithmetic extrapolation with an ordinary MLP: does the activation let it extrapolate ``a + b`` / ``a × b``?

Data come from `actlab.arith.task.ArithTask` (Madsen & Johansen's static task; owned by the arith area):
train and validate on the interpolation range, test on the extrapolation range. The subset layout is that
of data seed 0 for every run, so runs differ only in initialisation and batch order. Metric: RMSE of the
raw target (lower is better); the test value is the *extrapolation* RMSE. Registered only when
`actlab.arith.task` is importable.
"""
from __future__ import annotations

from functools import lru_cache, partial
from typing import Any

import numpy as np
import torch
from torch import nn

from actlab.models.mlp import MLP
from actlab.tasks.base import Dataset, Task
from actlab.tasks.metrics import mse_loss
from actlab.tasks.registry import register_task

try:
    from actlab.arith.task import ArithTask
except ImportError:  # the arith area is optional for the task registry
    ArithTask = None

DATA_SEED = 0


@lru_cache(maxsize=8)
def load_arith(op: str, input_size: int = 10, n_train: int = 5000, n_eval: int = 1000) -> Dataset:
    """X: (N, input_size) float32 inputs, y: (N,) float32 targets ``a ∘ b`` of the two subset sums."""
    task = ArithTask(op=op, input_size=input_size)
    masks = task.masks([DATA_SEED])
    rng = np.random.default_rng(DATA_SEED)
    xtr = torch.from_numpy(task.fill(rng, np.empty((n_train, input_size), dtype=np.float32)))
    xva, xte = task.eval_inputs("interpolation", n_eval), task.eval_inputs("extrapolation", n_eval)
    pairs = [(x, task.targets(x, masks)[0]) for x in (xtr, xva, xte)]
    return Dataset(*pairs, {"in_features": input_size, "out_features": 1, "arith": task.describe(),
                            "source": "actlab.arith.task.ArithTask (Madsen & Johansen 2020)"})


def build_arith(act: Any, info: dict[str, Any], act_params: dict[str, Any],
                hidden: tuple[int, ...] = (32, 32)) -> nn.Module:
    return MLP(info["in_features"], list(hidden), 1, act=act, act_params=act_params)


if ArithTask is not None:
    for _op in ("add", "mul"):
        register_task(Task(
            f"arith_{_op}", f"static arithmetic a {'+' if _op == 'add' else '×'} b (n=10), MLP 10-32-32-1, "
                            "extrapolation RMSE", partial(load_arith, _op), build_arith, mse_loss, "rmse",
            budget={"epochs": 20, "lr": 3e-3, "batch_size": 128}, small={"epochs": 5},
            model_kw={"hidden": (32, 32)}, data_kw={"input_size": 10, "n_train": 5000, "n_eval": 1000},
            tags=("arith",)))
