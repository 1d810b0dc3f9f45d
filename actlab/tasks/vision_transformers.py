"""The seeds' headline architectures as tasks: ViT, Activator and KAT (ViT with a GR-KAN FFN) on digits,
MNIST 5k, CIFAR-10 and CIFAR-100 (both from ``--data-dir``). The activation under test sits in every FFN (ViT), in every gate
and FFN (Activator), or initialises the second GR-KAN's rationals (KAT).

Widths are equal across the three families (dim, hidden, depth), so parameter counts and FLOPs compare
like for like; `Task.run` records both, with throughput, beside the metric.
"""
from __future__ import annotations

from typing import Any

import torch.nn.functional as F
from torch import nn

from actlab.core.errors import ParameterError
from actlab.tasks.base import Task
from actlab.tasks.data_cifar import load_cifar10_data, load_cifar100_data
from actlab.tasks.data_images import load_digits_data, load_mnist5k_data
from actlab.tasks.registry import register_task


def _image(info: dict[str, Any]) -> tuple[int, int]:
    c, h, w = info["input_shape"]
    if h != w:
        raise ParameterError(f"vision transformer tasks need square images, got {h}×{w}")
    return c, h


def build_vit(act: Any, info: dict[str, Any], act_params: dict[str, Any], patch: int = 2, dim: int = 64,
              depth: int = 2, heads: int = 4, hidden: int = 128, dropout: float = 0.0, pool: str = "mean",
              ffn: str = "mlp", groups: int = 8) -> nn.Module:
    from actlab.models.vit import ViT

    c, s = _image(info)
    return ViT(s, c, info["n_classes"], patch, dim, depth, heads, hidden, act, dropout, ffn, pool, groups,
               act_params)


def build_activator(act: Any, info: dict[str, Any], act_params: dict[str, Any], patch: int = 2, dim: int = 64,
                    depth: int = 2, hidden: int = 128, dropout: float = 0.0, ffn: bool = True) -> nn.Module:
    from actlab.models.activator import Activator

    c, s = _image(info)
    return Activator(s, c, info["n_classes"], patch, dim, hidden, depth, dropout, act, ffn, act_params)


VIT_KW = {"patch": 2, "dim": 64, "depth": 2, "heads": 4, "hidden": 128, "dropout": 0.0, "pool": "mean",
          "ffn": "mlp", "groups": 8}
ACT_KW = {"patch": 2, "dim": 64, "depth": 2, "hidden": 128, "dropout": 0.0, "ffn": True}
DATA = {
    # name: (loader, data keywords, default budget, small overrides, model overrides, description)
    "digits": (load_digits_data, {"n_train": None},
               {"epochs": 12, "lr": 2e-3, "batch_size": 64}, {"epochs": 3},
               {"patch": 2}, "sklearn digits 8×8 (16 patches of 2×2)"),
    "mnist5k": (load_mnist5k_data, {"n_train": None},
                {"epochs": 6, "lr": 2e-3, "batch_size": 64}, {"epochs": 1, "n_train": 1000},
                {"patch": 4}, "MNIST 5k 28×28 (49 patches of 4×4)"),
    "cifar10": (load_cifar10_data, {"data_dir": None, "n_train": None},
                {"epochs": 10, "lr": 1e-3, "batch_size": 128}, {"epochs": 2},
                {"patch": 4}, "CIFAR-10 32×32 from --data-dir (64 patches of 4×4)"),
    "cifar100": (load_cifar100_data, {"data_dir": None, "n_train": None},
                 {"epochs": 10, "lr": 1e-3, "batch_size": 128}, {"epochs": 2},
                 {"patch": 4}, "CIFAR-100 (fine labels) 32×32 from --data-dir (64 patches of 4×4)"),
}
FAMILIES = {
    # family: (builder, model keywords, extra model defaults, description)
    "vit": (build_vit, VIT_KW, {}, "ViT d64×2 blocks, 4 heads, MLP FFN 128 (act in the FFN)"),
    "activator": (build_activator, ACT_KW, {},
                  "Activator d64×2: attention replaced by a GLU MLP (gate = act), then the act MLP (ffn=false "
                  "drops it)"),
    "activator_glu": (build_activator, ACT_KW, {"ffn": False},
                      "Activator d64×2 without the second MLP: each block is one GLU MLP (gate = act), the paper's "
                      "cheapest variant"),
    "kat": (build_vit, VIT_KW, {"ffn": "grkan"},
            "KAT: the ViT with a GR-KAN FFN 128 (8 groups; rationals initialised from act)"),
}


def register_all() -> list[Task]:
    out = []
    for data, (load, data_kw, budget, small, model_over, ddesc) in DATA.items():
        for fam, (build, model_kw, fam_over, fdesc) in FAMILIES.items():
            kw = {k: v for k, v in {**model_kw, **model_over, **fam_over}.items() if k in model_kw}
            tags = ("vision", "transformer", "headline") + (("needs_data",) if "data_dir" in data_kw else ())
            out.append(register_task(Task(
                f"{data}_{fam}", f"{ddesc}, {fdesc}, accuracy", load, build, F.cross_entropy, "accuracy",
                budget=budget, small=small, model_kw=kw, data_kw=data_kw, seeds=(0, 1, 2, 3, 4), tags=tags)))
    return out


register_all()
