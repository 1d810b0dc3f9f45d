"""Strategy mechanics: Pareto front against brute force, aging removes the oldest, optuna tunes β."""
import random

import pytest

from actlab.core.errors import UnknownNameError
from actlab.search.expression import SwishSpace
from actlab.search.strategies import AgingEvolution, make_strategy, pareto_front
from actlab.store.candidates import CandidateRow


def row(**kw):
    return CandidateRow(canonical="", hash="", origin="random", **kw)


def test_pareto_front_matches_brute_force_dominance():
    rng = random.Random(0)
    pts = [(rng.random(), rng.random()) for _ in range(60)]
    front = set(pareto_front(pts))
    for i, (v, c) in enumerate(pts):
        dominated = any(v2 >= v and c2 <= c and (v2, c2) != (v, c) for v2, c2 in pts)
        assert (i in front) == (not dominated)


def test_aging_removes_the_oldest_member_not_the_worst():
    evo = AgingEvolution(SwishSpace(), population=3, sample=2)
    for idx, value in enumerate([0.9, 0.1, 0.5, 0.2]):
        evo.observe(row(idx=idx, status="done", value=value, genome=[["add", "x", "x", 0, 0]], cost=1))
    assert [r["idx"] for r in evo.population()] == [1, 2, 3]  # the best (#0) aged out


def test_rejected_candidates_never_enter_the_population():
    evo = AgingEvolution(SwishSpace(), population=3, sample=2)
    evo.observe(row(idx=0, status="rejected", value=None, genome=[], cost=None))
    assert evo.population() == []


def test_pareto_selection_prefers_cheap_parents_more_often_than_best_selection():
    rows = [(0.9, 5.0), (0.8, 1.0), (0.1, 6.0)]  # #1 is cheaper but worse than #0; #2 is dominated by both

    def picks(select):
        evo = AgingEvolution(SwishSpace(), population=3, sample=3, select=select)
        for idx, (v, c) in enumerate(rows):
            evo.observe(row(idx=idx, status="done", value=v, cost=c, genome=[["add", "x", "x", 0, 0]]))
        out = [evo.propose(10, random.Random(k))[2] for k in range(300)]
        return {i: out.count(i) for i in range(3)}

    best, pareto = picks("best"), picks("pareto")
    # best: #1 wins only when #0 is absent from the sample (P = (2/3)^3 - (1/3)^3 ≈ 0.26)
    # pareto: additionally half of the samples that hold both #0 and #1 (≈ 0.26 + 0.30)
    assert pareto[1] > best[1] + 40
    # a dominated member is chosen only if the whole sample is that member: (1/3)^3 of the time
    assert pareto[2] < 30 and best[2] < 30


def test_unknown_strategy_is_named():
    with pytest.raises(UnknownNameError, match="search strategy 'annealing'"):
        make_strategy("annealing", SwishSpace())


def test_optuna_tunes_beta_of_the_swish_template_to_one_for_a_silu_target():
    from actlab.search.tune import tune_template

    out = tune_template("x*sigmoid(b0*x)", "target:silu", n_trials=40, seed=0, low=0.1, high=3.0)
    assert abs(out["params"]["b0"] - 1.0) < 0.1 and out["value"] > -0.02
