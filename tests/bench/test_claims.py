"""Published claims against measured runs: the verdict follows where the paired CI lies relative to the margin."""
from __future__ import annotations

import math

import pytest

from actlab.bench.claims import CLAIMS, Claim, evaluate, verdict
from actlab.bench.stats import Interval


@pytest.mark.parametrize("kind, lo, hi, expected", [
    ("ge", 0.01, 0.03, "agrees"),          # clearly better
    ("ge", -0.005, 0.02, "agrees"),        # not worse by more than the margin (0.01)
    ("ge", -0.03, 0.02, "inconclusive"),   # could be worse by more than the margin
    ("ge", -0.05, -0.02, "disagrees"),     # worse beyond the margin
    ("approx", -0.005, 0.008, "agrees"),
    ("approx", -0.005, 0.02, "inconclusive"),
    ("approx", 0.02, 0.04, "disagrees"),
])
def test_verdict_from_interval_and_margin(kind, lo, hi, expected):
    assert verdict(kind, Interval((lo + hi) / 2, lo, hi, 5), margin=0.01) == expected


def test_verdict_needs_two_seeds():
    assert verdict("ge", Interval(0.1, -math.inf, math.inf, 1), 0.01) == "inconclusive"


def _runs(task, act, values, hib=True):
    return [{"task": task, "act": act, "seed": s, "value": v, "diverged": False, "status": "ok",
             "higher_is_better": hib} for s, v in enumerate(values)]


def test_silu_beating_relu_agrees_and_gelu_far_from_silu_disagrees():
    runs = _runs("digits_cnn", "relu", [0.90, 0.91, 0.92, 0.90]) + \
        _runs("digits_cnn", "silu", [0.93, 0.94, 0.945, 0.93]) + \
        _runs("digits_cnn", "gelu", [0.80, 0.81, 0.82, 0.80])
    res = {r.claim.id: r for r in evaluate(runs)}
    assert res["swish_ge_relu_deep"].verdict == "agrees"
    (tv,) = res["swish_ge_relu_deep"].per_task
    assert tv.n == 4 and tv.diff.mean == pytest.approx((0.03 + 0.03 + 0.025 + 0.03) / 4) and tv.margin == pytest.approx(0.01 * 0.9075)
    assert res["gelu_approx_silu"].verdict == "disagrees"
    assert res["mlp_ge_kan_equal_params"].verdict == "not measured"


def test_deep_claim_only_looks_at_deep_tasks():
    runs = _runs("digits_mlp", "relu", [0.9, 0.9, 0.9]) + _runs("digits_mlp", "silu", [0.8, 0.81, 0.8])
    res = {r.claim.id: r for r in evaluate(runs)}
    assert res["swish_ge_relu_deep"].verdict == "not measured"
    assert res["swish_ge_relu_all"].verdict == "disagrees"


def test_lower_is_better_metrics_flip_the_difference():
    runs = _runs("charlm", "relu", [20.0, 21.0, 20.5], hib=False) + \
        _runs("charlm", "silu", [18.0, 18.5, 18.2], hib=False)
    (tv,) = next(r for r in evaluate(runs) if r.claim.id == "swish_ge_relu_deep").per_task
    assert tv.diff.mean > 0 and tv.verdict == "agrees"


def test_model_family_claim_pairs_task_variants_with_the_same_activation():
    claim = Claim("x", "MLP ≥ KAN", "test", "ge", "mlp", "kan", arm="task")
    runs = _runs("digits_mlp", "relu", [0.95, 0.96, 0.95]) + _runs("digits_kan", "relu", [0.90, 0.91, 0.90]) + \
        _runs("digits_kan", "gelu", [0.99, 0.99, 0.99])  # no digits_mlp/gelu twin: not compared
    (res,) = evaluate(runs, [claim])
    assert [t.task for t in res.per_task] == ["digits_mlp vs digits_kan (relu)"]
    assert res.verdict == "agrees"


def test_every_claim_cites_a_source():
    assert all(c.source and c.kind in ("ge", "approx") for c in CLAIMS)
