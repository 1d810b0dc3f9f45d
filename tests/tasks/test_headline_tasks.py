"""The headline tasks: registered, runnable, and every run records parameters, forward FLOPs per example (checked
against closed-form counts), throughput and the device; --device cpu changes nothing; bf16 autocast applies."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from actlab.tasks import get_task, names
from actlab.tasks.runopts import run_overrides
from actlab.train.device import autocast

VISION = [f"{d}_{f}" for d in ("digits", "mnist5k", "cifar10") for f in ("vit", "activator", "kat")]
QUICK = {"epochs": 1, "max_steps": 2}


def test_every_headline_task_is_registered():
    assert set(VISION) | {"charlm_kat", "charlm_hqkan"} <= set(names("headline"))


@pytest.mark.parametrize("name", ["digits_vit", "digits_activator", "digits_kat", "charlm_hqkan"])
def test_a_run_records_params_flops_throughput_and_device(name):
    task = get_task(name)
    rec = task.run("crrelu", 0, small=True, **QUICK)
    model = task.model("crrelu", small=True)
    assert rec["params"] == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert rec["flops"] > rec["params"]             # every weight is used at least once per example (×2 FLOPs)
    assert rec["throughput"] > 0 and math.isfinite(rec["throughput"])
    assert rec["device"] == "cpu" and rec["device_name"] and rec["precision"] == "fp32"


def _vit_block(t: int, d: int, h: int) -> int:
    return 2 * t * d * 3 * d + 4 * t * t * d + 2 * t * d * d + 4 * t * d * h


def test_recorded_flops_follow_the_closed_form_per_family():
    t, d, h, p = 16, 64, 128, 2
    embed, head = 2 * t * p * p * d, 2 * d * 10
    vit = get_task("digits_vit").run("relu", 0, **QUICK)["flops"]
    kat = get_task("digits_kat").run("relu", 0, **QUICK)["flops"]
    act = get_task("digits_activator").run("relu", 0, **QUICK)["flops"]
    glu_only = get_task("digits_activator").run("relu", 0, ffn=False, **QUICK)["flops"]
    assert vit == embed + 2 * _vit_block(t, d, h) + head
    assert kat == vit                                # GR-KAN: same linears; its rationals are elementwise
    assert act == embed + 2 * (3 * 2 * t * d * h + 4 * t * d * h) + head
    assert glu_only == embed + 2 * (3 * 2 * t * d * h) + head


def test_device_cpu_is_the_same_run_as_no_device():
    task = get_task("digits_activator")
    assert run_overrides(task, device="cpu", precision="fp32") == {}
    a = task.run("gelu", 1, epochs=1, max_steps=3)
    b = task.run("gelu", 1, epochs=1, max_steps=3, device="cpu")
    assert a["value"] == b["value"] and a["train_curve"] == b["train_curve"]


def test_bf16_autocast_is_applied_to_the_forward_passes():
    x = torch.randn(4, 8)
    with autocast("cpu", "bf16"):
        assert nn.Linear(8, 8)(x).dtype == torch.bfloat16
    with autocast("cpu", "fp32"):
        assert nn.Linear(8, 8)(x).dtype == torch.float32
    task = get_task("digits_vit")
    fp32 = task.run("relu", 0, epochs=1, max_steps=4)
    bf16 = task.run("relu", 0, epochs=1, max_steps=4, precision="bf16")
    assert bf16["precision"] == "bf16" and math.isfinite(bf16["value"])
    assert bf16["train_curve"] != fp32["train_curve"]
