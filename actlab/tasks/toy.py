"""Toy 2-D classification: XOR and two spirals (accuracy), small MLPs where the activation shape matters."""
from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import nn

from actlab.models.mlp import MLP
from actlab.tasks.base import Task
from actlab.tasks.data_synthetic import load_spirals, load_xor
from actlab.tasks.registry import register_task


def build_toy(act: Any, info: dict[str, Any], act_params: dict[str, Any], hidden: tuple[int, ...] = (8, 8)) -> nn.Module:
    return MLP(2, list(hidden), 2, act=act, act_params=act_params)


DATA_KW = {"n_train": 1000, "n_val": 500, "n_test": 1000}
register_task(Task(
    "xor", "four-quadrant XOR in [-1,1]², MLP 2-8-8-2, accuracy", load_xor, build_toy, F.cross_entropy,
    "accuracy", budget={"epochs": 30, "lr": 1e-2, "batch_size": 64}, small={"epochs": 10},
    model_kw={"hidden": (8, 8)}, data_kw=DATA_KW, tags=("toy", "quick")))
register_task(Task(
    "spirals", "two spirals (2 turns, noise 0.08), MLP 2-32-32-2, accuracy", load_spirals, build_toy, F.cross_entropy,
    "accuracy", budget={"epochs": 80, "lr": 1e-2, "batch_size": 64}, small={"epochs": 25},
    model_kw={"hidden": (32, 32)}, data_kw={**DATA_KW, "turns": 2.0, "noise": 0.08}, tags=("toy", "quick")))
