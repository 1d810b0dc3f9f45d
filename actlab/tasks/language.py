"""Character-level language modelling on stdlib source text with `TinyLM`; metric: test perplexity.

The FFN activation is the swapped one; ``gated=None`` follows the activation (swiglu, geglu, ... are
gated: Linear(d, 2h) → unit → Linear(h, d)), ``gated=True`` turns an elementwise one into a GLU-style gate.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from actlab.models.transformer import TinyLM
from actlab.tasks.base import Task
from actlab.tasks.corpus import load_charlm
from actlab.tasks.metrics import lm_loss
from actlab.tasks.registry import register_task


def build_lm(act: Any, info: dict[str, Any], act_params: dict[str, Any], d_model: int = 64, n_layers: int = 2,
             n_heads: int = 4, d_ff: int = 128, gated: bool | None = None, ffn: str = "mlp") -> nn.Module:
    return TinyLM(info["vocab"], d_model=d_model, n_layers=n_layers, n_heads=n_heads, d_ff=d_ff, act=act,
                  max_len=info["context"], gated=gated, act_params=act_params, ffn=ffn)


register_task(Task(
    "charlm", "char-level LM on Python stdlib source, TinyLM d64×2 layers, test perplexity", load_charlm,
    build_lm, lm_loss, "perplexity", budget={"epochs": 4, "lr": 3e-3, "batch_size": 32, "grad_clip": 1.0},
    small={"epochs": 2, "n_chars": 40_000},
    model_kw={"d_model": 64, "n_layers": 2, "n_heads": 4, "d_ff": 128, "gated": None},
    data_kw={"n_chars": 200_000, "context": 64}, aliases=("lm",), tags=("language",)))


# The LM FFN variants of the headline claims (KAT, HQKAN): the same TinyLM with its FFN replaced. GR-KAN keeps
# the MLP's widths (parameters ≈ equal); HQKAN's log-width bottleneck has far fewer (the runs record the counts).
LM_VARIANT_KW = {"d_model": 64, "n_layers": 2, "n_heads": 4, "d_ff": 128, "gated": None}
register_task(Task(
    "charlm_kat", "char-level LM, TinyLM d64×2 with GR-KAN FFNs (KAT; rationals initialised from act), perplexity",
    load_charlm, build_lm, lm_loss, "perplexity", budget={"epochs": 4, "lr": 3e-3, "batch_size": 32, "grad_clip": 1.0},
    small={"epochs": 2, "n_chars": 40_000}, model_kw={**LM_VARIANT_KW, "ffn": "grkan"},
    data_kw={"n_chars": 200_000, "context": 64}, tags=("language", "headline")))
register_task(Task(
    "charlm_hqkan", "char-level LM, TinyLM d64×2 with HQKAN FFNs (Linear→QKAN 6×6→Linear, act = QKAN base), "
    "perplexity", load_charlm, build_lm, lm_loss, "perplexity",
    budget={"epochs": 4, "lr": 3e-3, "batch_size": 32, "grad_clip": 1.0},
    small={"epochs": 2, "n_chars": 40_000}, model_kw={**LM_VARIANT_KW, "ffn": "hqkan"},
    data_kw={"n_chars": 200_000, "context": 64}, tags=("language", "headline")))
