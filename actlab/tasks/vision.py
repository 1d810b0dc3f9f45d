"""Image classification tasks: digits, MNIST 5k and MNIST-1D with an MLP or a small CNN."""
from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import nn

from actlab.models.mlp import MLP
from actlab.tasks.base import Task
from actlab.tasks.data_images import load_digits_data, load_mnist1d_data, load_mnist5k_data
from actlab.tasks.registry import register_task


def build_mlp(act: Any, info: dict[str, Any], act_params: dict[str, Any], hidden: tuple[int, ...] = (64, 64),
              norm: str | None = None, dropout: float = 0.0) -> nn.Module:
    return MLP(info["in_features"], list(hidden), info["n_classes"], act=act, norm=norm, dropout=dropout,
               act_params=act_params)


def build_cnn(act: Any, info: dict[str, Any], act_params: dict[str, Any], channels: tuple[int, ...] = (16, 32),
              norm: str | None = None) -> nn.Module:
    from actlab.models.cnn import CNN

    return CNN(info["input_shape"], info["n_classes"], channels=list(channels), act=act, norm=norm,
               act_params=act_params)


MLP_KW = {"hidden": (64, 64), "norm": None, "dropout": 0.0}
CNN_KW = {"channels": (16, 32), "norm": None}
DATA_KW = {"n_train": None}

register_task(Task(
    "digits_mlp", "sklearn digits 8×8, MLP 64-64-64-10, accuracy", load_digits_data, build_mlp, F.cross_entropy,
    "accuracy", budget={"epochs": 15, "lr": 3e-3, "batch_size": 64}, small={"epochs": 8},
    model_kw=MLP_KW, data_kw=DATA_KW, aliases=("digits",), tags=("vision", "quick")))
register_task(Task(
    "mnist5k_mlp", "MNIST 5k subset 28×28, MLP 784-128-128-10, accuracy", load_mnist5k_data, build_mlp,
    F.cross_entropy, "accuracy", budget={"epochs": 15, "lr": 1e-3, "batch_size": 64},
    small={"epochs": 3, "n_train": 1000}, model_kw={**MLP_KW, "hidden": (128, 128)}, data_kw=DATA_KW,
    aliases=("mnist5k", "mnist"), tags=("vision",)))
register_task(Task(
    "digits_cnn", "sklearn digits 8×8, CNN conv16-conv32, accuracy", load_digits_data, build_cnn, F.cross_entropy,
    "accuracy", budget={"epochs": 15, "lr": 3e-3, "batch_size": 64}, small={"epochs": 5},
    model_kw=CNN_KW, data_kw=DATA_KW, tags=("vision", "quick")))
register_task(Task(
    "mnist5k_cnn", "MNIST 5k subset 28×28, CNN conv16-conv32, accuracy", load_mnist5k_data, build_cnn,
    F.cross_entropy, "accuracy", budget={"epochs": 10, "lr": 2e-3, "batch_size": 64},
    small={"epochs": 2, "n_train": 1000}, model_kw=CNN_KW, data_kw=DATA_KW, tags=("vision",)))
register_task(Task(
    "mnist1d_cnn", "MNIST-1D (length 40), 1-D CNN conv32-conv64, accuracy", load_mnist1d_data, build_cnn,
    F.cross_entropy, "accuracy", budget={"epochs": 30, "lr": 3e-3, "batch_size": 100},
    small={"epochs": 6}, model_kw={**CNN_KW, "channels": (32, 64)}, data_kw=DATA_KW, aliases=("mnist1d",),
    tags=("vision", "quick")))
register_task(Task(
    "mnist1d_mlp", "MNIST-1D (length 40), MLP 40-100-100-10, accuracy", load_mnist1d_data, build_mlp,
    F.cross_entropy, "accuracy", budget={"epochs": 30, "lr": 2e-3, "batch_size": 100},
    small={"epochs": 6}, model_kw={**MLP_KW, "hidden": (100, 100)}, data_kw=DATA_KW, tags=("vision",)))
