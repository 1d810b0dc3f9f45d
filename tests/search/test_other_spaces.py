"""The EAFO correction space holds CRReLU; the EvoNorm graph space expresses B0 and S0 exactly."""
import random

import torch

from actlab.search.correction import CorrectionSpace
from actlab.search.graph import EVONORM_B0, EVONORM_S0, GraphLayer, GraphSpace
from actlab.search.runner import run_search


def test_crrelu_is_a_member_of_the_correction_space_and_matches_its_formula():
    s = CorrectionSpace()
    g = ["relu", "x_gauss", 0.01]
    assert g in list(s.enumerate())
    x = torch.linspace(-5, 5, 201, dtype=torch.float64)
    ref = torch.relu(x) + 0.01 * x * torch.exp(-x ** 2 / 2)   # CRReLU, EAFO (arXiv 2405.12954)
    torch.testing.assert_close(s.build(g).double()(x), ref)
    eps = [p for p in s.build(g).parameters()]
    assert len(eps) == 1 and eps[0].requires_grad and abs(eps[0].item() - 0.01) < 1e-9


def test_exhaustive_correction_search_rediscovers_crrelu():
    res = run_search(CorrectionSpace(bases=["relu", "gelu", "silu"], eps_inits=[0.01, 0.1]), "exhaustive",
                     "target:crrelu", budget=100, seed=0)
    assert res.exhausted  # 3 bases × 9 terms × 2 inits = 54 < 100
    best = res.top(1)[0]
    assert best["genome"] == ["relu", "x_gauss", 0.01] and best["value"] > -1e-6


def test_evonorm_b0_genome_matches_its_closed_form():
    x = torch.randn(8, 6, 5, 5, dtype=torch.float64)
    layer = GraphLayer(EVONORM_B0).double()
    with torch.no_grad():
        layer.v1.fill_(0.8)
    vb = x.var(dim=(0, 2, 3), keepdim=True, unbiased=False)
    vi = x.var(dim=(2, 3), keepdim=True, unbiased=False)
    ref = x / torch.maximum(torch.sqrt(vb + 1e-5), 0.8 * x + torch.sqrt(vi + 1e-5))
    torch.testing.assert_close(layer(x), ref)


def test_evonorm_s0_genome_matches_its_closed_form():
    x = torch.randn(4, 8, 3, 3, dtype=torch.float64)
    layer = GraphLayer(EVONORM_S0).double()
    g = x.reshape(4, 4, -1)  # 4 groups of 2 channels
    std = torch.sqrt(g.var(dim=-1, keepdim=True, unbiased=False) + 1e-5).expand_as(g).reshape(x.shape)
    torch.testing.assert_close(layer(x), x * torch.sigmoid(x) / std)


def test_graph_mutation_rewrites_exactly_one_node_and_random_graphs_use_x():
    s = GraphSpace()
    changed = 0
    for k in range(20):
        child = s.mutate(EVONORM_B0, random.Random(k))
        assert len(child) == len(EVONORM_B0)
        diff = sum(a != b for a, b in zip(child, EVONORM_B0))
        assert diff <= 1
        changed += diff
    assert changed >= 15
    from actlab.search.graph import _uses_x
    assert sum(_uses_x(s.random(random.Random(k))) for k in range(20)) >= 18


def test_graph_canonical_form_sorts_commutative_arguments():
    s = GraphSpace()
    a = [["tanh", 0, 0], ["add", 4, 0]]
    b = [["tanh", 0, 0], ["add", 0, 4]]
    assert s.canonical(a) == s.canonical(b) == "add(tanh(x), x)" and s.fingerprint(a) == s.fingerprint(b)


def test_graph_candidate_trains_inside_an_mlp_task_model():
    from actlab.models.mlp import MLP

    mlp = MLP(8, [16], 3, act=lambda: GraphLayer(EVONORM_S0))
    out = mlp(torch.randn(5, 8))
    out.sum().backward()
    assert out.shape == (5, 3) and all(torch.isfinite(p.grad).all() for p in mlp.parameters() if p.grad is not None)
