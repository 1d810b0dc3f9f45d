"""The Activator claim pairs both of the paper's variants with the ViT: with the second MLP (`*_activator`) and
without it (`*_activator_glu`), each with its own FLOPs ratio; the GLU-only tasks really drop the second MLP."""
from __future__ import annotations

import pytest
import torch

from actlab.bench.claims import evaluate
from actlab.tasks import get_task


def _runs(task, values, flops):
    return [{"task": task, "act": "gelu", "seed": s, "value": v, "diverged": False, "status": "ok",
             "higher_is_better": True, "extra": {"flops": flops}} for s, v in enumerate(values)]


def test_both_activator_variants_are_paired_with_the_vit_and_judged_separately():
    runs = _runs("digits_vit", [0.90, 0.91, 0.92], 2.0e6) + \
        _runs("digits_activator", [0.90, 0.91, 0.92], 2.4e6) + \
        _runs("digits_activator_glu", [0.905, 0.915, 0.925], 1.4e6)
    (res,) = [r for r in evaluate(runs) if r.claim.id == "activator_approx_vit"]
    by = {t.task: t for t in res.per_task}
    assert set(by) == {"digits_activator vs digits_vit (gelu)", "digits_activator_glu vs digits_vit (gelu)"}
    assert by["digits_activator vs digits_vit (gelu)"].verdict == "disagrees"  # costs more
    glu = by["digits_activator_glu vs digits_vit (gelu)"]
    assert glu.cost_ratio == pytest.approx(0.7) and glu.verdict == "agrees"
    assert res.verdict == "mixed"


@pytest.mark.parametrize("data", ["digits", "mnist5k"])
def test_glu_only_task_is_the_activator_without_its_second_mlp(data):
    glu, full = get_task(f"{data}_activator_glu"), get_task(f"{data}_activator")
    assert glu.model_kw["ffn"] is False and full.model_kw["ffn"] is True
    assert {k: v for k, v in glu.model_kw.items() if k != "ffn"} == \
        {k: v for k, v in full.model_kw.items() if k != "ffn"}
    torch.manual_seed(0)
    n_glu = sum(p.numel() for p in glu.model("relu", small=True).parameters())
    n_full = sum(p.numel() for p in full.model("relu", small=True).parameters())
    n_same = sum(p.numel() for p in full.model("relu", small=True, ffn=False).parameters())
    assert n_glu == n_same < n_full
