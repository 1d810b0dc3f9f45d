"""Evolution in the expression space rediscovers x·σ(x) from a distance-to-target objective."""
import torch

from actlab.search.runner import run_search


def test_evolution_finds_silu_by_distance_within_a_small_budget(small_space):
    res = run_search(small_space, "evolution", "target:silu", budget=150, seed=0,
                     strategy_options={"population": 12, "sample": 3})
    best = res.top(1)[0]
    assert best["canonical"] == "x*sigmoid(x)"
    assert best["value"] > -1e-9
    # independent check: the found genome's module equals torch's SiLU
    x = torch.linspace(-6, 6, 121)
    torch.testing.assert_close(small_space.build(best["genome"])(x), torch.nn.functional.silu(x))
    # and it was found by mutation, not by luck in the initial random population
    assert best["origin"] == "mutation"


def test_duplicates_are_evaluated_once(small_space):
    res = run_search(small_space, "random", "target:silu", budget=60, seed=1)
    hashes = [r["hash"] for r in res.rows if r["status"] != "duplicate"]
    assert len(hashes) == len(set(hashes))
    assert res.evaluated == len(hashes)
