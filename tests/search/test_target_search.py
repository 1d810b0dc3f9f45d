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


def test_forced_duplicates_reuse_the_first_candidates_value_and_are_not_evaluated_again(tmp_path):
    """A space with a handful of distinct genomes and a budget larger than that: the random proposer's 20
    redraws cannot avoid duplicates, so the duplicate bookkeeping must run. Each duplicate points at the first
    candidate with its fingerprint, carries that candidate's value, and costs no evaluation."""
    from actlab.search.expression import SwishSpace
    from actlab.search.runner import load_search

    space = SwishSpace.from_grammar("unary: x, relu; binary: add, max; units: 1")
    db = tmp_path / "dup.db"
    res = run_search(space, "random", "target:relu", budget=30, seed=0, db=db)
    rows = {r["idx"]: r for r in res.rows}
    dups = [r for r in rows.values() if r["status"] == "duplicate"]
    firsts = {}
    for i in sorted(rows):
        firsts.setdefault(rows[i]["hash"], i)
    assert len(dups) >= 10 and len(firsts) < 10
    for d in dups:
        src = rows[d["dup_of"]]
        assert d["dup_of"] == firsts[d["hash"]] and src["status"] != "duplicate"  # the first with that hash
        assert d["value"] == src["value"] and d["reason"].startswith(f"duplicate of #{src['idx']}")
    assert sum(d["value"] is not None for d in dups) >= 5
    relu_dups = [d for d in dups if d["canonical"] == "Max(0, x)"]
    assert relu_dups and all(d["value"] == 0.0 for d in relu_dups)  # distance of relu to itself: exactly 0
    assert res.evaluated == len(firsts)  # one evaluation per distinct genome
    x = torch.linspace(-4, 4, 81)
    for d in dups:  # a duplicate is the same function as its source, so reusing the value is right
        torch.testing.assert_close(space.build(d["genome"])(x), space.build(rows[d["dup_of"]]["genome"])(x))
    _, _, stored = load_search(db)  # and the stored search reads back the same way
    assert [r["value"] for r in stored if r["status"] == "duplicate"] == [d["value"] for d in dups]
