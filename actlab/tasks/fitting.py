"""Function-fitting tasks (RMSE, lower is better): the KAN toy and three Feynman formulas, MLP regressors."""
from __future__ import annotations

from functools import partial
from typing import Any

from torch import nn

from actlab.models.mlp import MLP
from actlab.tasks.base import Task
from actlab.tasks.data_synthetic import FORMULAS, load_formula
from actlab.tasks.metrics import mse_loss
from actlab.tasks.registry import register_task


def build_regressor(act: Any, info: dict[str, Any], act_params: dict[str, Any],
                    hidden: tuple[int, ...] = (32, 32)) -> nn.Module:
    return MLP(info["in_features"], list(hidden), 1, act=act, act_params=act_params)


DATA_KW = {"n_train": 1000, "n_val": 500, "n_test": 1000}

for _name, _std in (("kan_toy", False), ("gauss", True), ("lorentz", True), ("lorentz_boost", True)):
    _f = FORMULAS[_name]
    register_task(Task(
        f"fit_{_name}", f"fit {_f.text}, MLP {len(_f.ranges)}-32-32-1, "
                        + ("test RMSE" if not _std else "test RMSE in target-std units"),
        partial(load_formula, _name, standardize=_std), build_regressor, mse_loss, "rmse",
        budget={"epochs": 60, "lr": 3e-3, "batch_size": 64}, small={"epochs": 15},
        model_kw={"hidden": (32, 32)}, data_kw=DATA_KW, tags=("fitting", "quick") if _name == "kan_toy" else ("fitting",)))
