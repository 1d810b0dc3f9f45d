"""Rejection filters record a reason; a failing candidate never stops the search."""
import pytest
import torch

from actlab.search.evaluate import evaluate_candidate
from actlab.search.expression import SwishSpace
from actlab.search.runner import run_search

TARGET = {"kind": "target", "target": "silu"}


def _eval(genome, objective=TARGET, space=None):
    s = space or SwishSpace()
    return evaluate_candidate(s.name, s.settings(), genome, objective)


@pytest.mark.parametrize("genome, reason", [
    ([["add", "sqrt", "x", 0, 0]], "non-finite gradient"),      # sign(x)·sqrt|x| has an infinite slope at 0
    ([["div", "x", "min0", 0, 0]], "stability"),                # x/(min(x,0)+ε) = x/ε for x > 0: huge slope
    ([["sub", "x", "x", 0, 0]], "constant"),                    # x − x = 0
    ([["add", "x", "x", 0, 0]], "affine"),                      # 2x: the network would be linear
    ([["mul", "cube", "cube", 0, 0], ["mul", "cube", "cube", 1, 1]], "exploding"),  # x^36: f'(10) = 3.6e36
])
def test_filters_reject_with_a_reason(genome, reason):
    out = _eval(genome)
    assert out["status"] == "rejected" and reason in out["reason"], out


def test_good_candidate_passes_and_scores_its_distance():
    out = _eval([["sigmul", "x", "x", 0, 0]])
    assert out["status"] == "done" and out["value"] == pytest.approx(0.0, abs=1e-12)
    out = _eval([["max", "x", "relu", 0, 0]])  # max(x, relu x) = relu: its RMSE to silu on the grid
    x = torch.linspace(-5, 5, 201, dtype=torch.float64)
    rmse = torch.sqrt(torch.mean((torch.relu(x) - torch.nn.functional.silu(x)) ** 2)).item()
    assert out["status"] == "done" and out["value"] == pytest.approx(-rmse, rel=1e-9)


def test_quality_gate_rejects_a_candidate_below_the_threshold_after_a_few_steps():
    s = SwishSpace()
    obj = {"kind": "task", "task": "digits", "quality_steps": 3, "quality_threshold": 0.99,
           "overrides": {"epochs": 1}}
    out = evaluate_candidate(s.name, s.settings(), [["max", "x", "relu", 0, 0]], obj)
    assert out["status"] == "rejected" and out["reason"].startswith("quality:")


class _BrokenSpace(SwishSpace):
    """A space whose build raises for one primitive, to check that a crash is recorded, not propagated."""

    def build(self, genome):
        if any(u[0] == "min" for u in genome):
            raise RuntimeError("simulated crash")
        return super().build(genome)


def test_a_failing_candidate_is_recorded_and_the_search_goes_on():
    space = _BrokenSpace(unary=["x", "tanh", "sigmoid"], binary=["add", "mul", "min", "max"], max_units=1)
    res = run_search(space, "exhaustive", "target:silu", budget=200, seed=0)
    statuses = {r["status"] for r in res.rows}
    broken = [r for r in res.rows if r["genome"][0][0] == "min" and r["status"] != "duplicate"]
    assert broken and all(r["status"] == "rejected" and "simulated crash" in r["reason"] for r in broken)
    assert "done" in statuses and res.exhausted and res.top(1)[0]["canonical"] == "x*sigmoid(x)"
