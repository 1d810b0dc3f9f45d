"""The seeds' headline claims: ids, pairings (task variants, the bare task for HQKAN), and claims "at lower cost"
whose verdict needs the cost ratio as well as the metric's interval."""
from __future__ import annotations

import pytest

from actlab.bench.claims import CLAIMS, combine, evaluate

IDS = ("crrelu_ge_gelu_vit", "activator_approx_vit", "kat_ge_vit", "hqkan_ffn_ge_mlp_ffn")


def _runs(task, act, values, hib=True, in_extra=True, **cost):
    out = []
    for s, v in enumerate(values):
        r = {"task": task, "act": act, "seed": s, "value": v, "diverged": False, "status": "ok",
             "higher_is_better": hib, "params": cost.get("params")}
        if in_extra:  # stored rows keep flops in `extra`
            r["extra"] = {"flops": cost.get("flops")}
        else:
            r["flops"] = cost.get("flops")
        out.append(r)
    return out


def _by_id(runs):
    return {r.claim.id: r for r in evaluate(runs)}


def test_headline_claim_ids_exist_with_sources():
    claims = {c.id: c for c in CLAIMS}
    assert set(IDS) <= set(claims)
    assert claims["activator_approx_vit"].cost == "flops" and claims["hqkan_ffn_ge_mlp_ffn"].cost == "params"


def test_crrelu_claim_reads_only_vit_tasks():
    runs = _runs("digits_vit", "gelu", [0.90, 0.91, 0.90]) + _runs("digits_vit", "crrelu", [0.92, 0.93, 0.925]) + \
        _runs("digits_kat", "gelu", [0.9, 0.9, 0.9]) + _runs("digits_kat", "crrelu", [0.5, 0.5, 0.51])
    res = _by_id(runs)["crrelu_ge_gelu_vit"]
    assert [t.task for t in res.per_task] == ["digits_vit"] and res.verdict == "agrees"


@pytest.mark.parametrize("act_flops, expected", [(1.0e6, "agrees"), (3.0e6, "disagrees")])
def test_activator_needs_the_accuracy_interval_and_lower_flops(act_flops, expected):
    runs = _runs("digits_vit", "relu", [0.90, 0.91, 0.92], flops=2.0e6) + \
        _runs("digits_activator", "relu", [0.91, 0.915, 0.92], flops=act_flops, in_extra=False)
    (t,) = _by_id(runs)["activator_approx_vit"].per_task
    assert t.task == "digits_activator vs digits_vit (relu)"
    assert t.cost_ratio == pytest.approx(act_flops / 2.0e6) and t.verdict == expected


def test_activator_cheaper_but_much_worse_disagrees_and_unmeasured_cost_is_inconclusive():
    runs = _runs("digits_vit", "relu", [0.90, 0.91, 0.92], flops=2.0e6) + \
        _runs("digits_activator", "relu", [0.70, 0.71, 0.72], flops=1.0e6)
    assert _by_id(runs)["activator_approx_vit"].verdict == "disagrees"
    runs = _runs("digits_vit", "relu", [0.90, 0.91, 0.92]) + _runs("digits_activator", "relu", [0.91, 0.92, 0.93])
    assert _by_id(runs)["activator_approx_vit"].verdict == "inconclusive"
    assert combine("agrees", None) == "agrees" and combine("inconclusive", 0.5) == "inconclusive"


def test_hqkan_pairs_with_the_bare_lm_task_and_needs_fewer_parameters():
    lm = _runs("charlm", "gelu", [9.0, 9.1, 9.05], hib=False, params=77_000)
    better = _runs("charlm_hqkan", "gelu", [8.8, 8.9, 8.85], hib=False, params=47_000)
    (t,) = _by_id(lm + better)["hqkan_ffn_ge_mlp_ffn"].per_task
    assert t.task == "charlm_hqkan vs charlm (gelu)" and t.diff.mean > 0 and t.verdict == "agrees"
    assert t.cost_ratio == pytest.approx(47 / 77)
    bigger = _runs("charlm_hqkan", "gelu", [8.8, 8.9, 8.85], hib=False, params=90_000)
    assert _by_id(lm + bigger)["hqkan_ffn_ge_mlp_ffn"].verdict == "disagrees"


def test_kat_claim_pairs_kat_with_vit_per_activation():
    runs = _runs("mnist5k_vit", "silu", [0.80, 0.81, 0.79]) + _runs("mnist5k_kat", "silu", [0.70, 0.70, 0.71]) + \
        _runs("charlm_kat", "silu", [8.0, 8.0, 8.1], hib=False)
    res = _by_id(runs)["kat_ge_vit"]
    assert [t.task for t in res.per_task] == ["mnist5k_kat vs mnist5k_vit (silu)"] and res.verdict == "disagrees"
