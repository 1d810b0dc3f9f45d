"""CETT thresholds, PPL-p% search, Top-k / FAT / WINA masks and CATS on small FFNs and a tiny LM."""
import numpy as np
import pytest
import torch
from torch import nn

from actlab.analysis import sparsify as sp
from actlab.core.errors import ParameterError
from actlab.models.transformer import FeedForward, TinyLM


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_cett_matches_brute_force():
    a, w = rand(20, 8).relu(), rand(5, 8, seed=1)
    tau = 0.8
    norms = np.abs(a.numpy()) * np.linalg.norm(w.numpy(), axis=0)
    ratios = []
    for p in range(20):
        tail = np.where(norms[p] <= tau, a[p].numpy(), 0.0)
        full = w.numpy() @ a[p].numpy()
        if np.linalg.norm(full) > 0:
            ratios.append(np.linalg.norm(w.numpy() @ tail) / np.linalg.norm(full))
    assert sp.cett(a, w, tau) == pytest.approx(np.mean(ratios), rel=1e-12)


def test_cett_threshold_is_the_largest_within_target():
    a, w = rand(200, 32), rand(16, 32, seed=1)
    for target in (0.05, 0.2):
        tau = sp.cett_threshold(a, w, target, n_grid=2048)
        assert sp.cett(a, w, tau) <= target
        n = sp.neuron_norms(a, w)
        step = (float(torch.quantile(n.flatten(), 0.99)) - float(n.min())) / 2047
        assert sp.cett(a, w, tau + step) > target
    assert sp.cett(a, w, float("inf")) == pytest.approx(1.0)


@pytest.mark.parametrize("gated", [False, True])
def test_topk_and_threshold_rules_reach_their_sparsity(gated):
    torch.manual_seed(0)
    ffn = FeedForward(16, 64, act="relu", gated=gated)
    x = torch.randn(50, 16)
    with sp.masked_inputs({"down": ffn.down}, sp.topk_rule(0.25)) as counts:
        ffn(x)
    assert sp.realised(counts) == pytest.approx(0.75, abs=1e-9)
    with sp.masked_inputs({"down": ffn.down}, sp.threshold_rule(0.0)) as counts:
        out = ffn(x)
    # FAT-0 drops exact zeros only, so the output is unchanged
    assert torch.allclose(out, ffn(x)) and sp.realised(counts) > 0.3


def test_wina_keeps_largest_weighted_inputs_and_beats_magnitude_only():
    torch.manual_seed(0)
    lin = nn.Linear(64, 32, bias=False)
    with torch.no_grad():  # strongly unequal column norms: the case WINA is built for
        lin.weight.mul_(torch.logspace(-1.5, 1.5, 64)[torch.randperm(64)])
    x = torch.randn(400, 64)
    with sp.masked_inputs({"l": lin}, sp.wina_rule(0.25)) as counts:
        y_wina = lin(x)
    score = x.abs() * lin.weight.norm(dim=0)
    kept = (y_wina != 0).any()  # sanity
    thresh = score.topk(16, dim=1).values[:, -1:]
    expect = lin(x * (score >= thresh))
    assert kept and torch.allclose(y_wina, expect, atol=1e-6) and sp.realised(counts) == pytest.approx(0.75)
    with sp.masked_inputs({"l": lin}, sp.topk_rule(0.25)):
        y_teal = lin(x)
    y = lin(x)
    assert (y_wina - y).norm() < (y_teal - y).norm()


def test_cats_threshold_gives_target_sparsity_on_calibration_data():
    torch.manual_seed(0)
    lm = TinyLM(30, d_model=16, n_layers=2, d_ff=32, act="silu", gated=True)
    data = torch.randint(0, 30, (8, 16))
    acts = lambda n, m: n.endswith("ffn.act.act")  # noqa: E731  the SiLU inside the gated unit
    th = sp.cats_thresholds(lm, data, acts, 0.6)
    assert len(th) == 2
    with torch.no_grad(), sp.cats(lm, th) as counts:
        lm(data)
    assert sp.realised(counts) == pytest.approx(0.6, abs=0.01)


@pytest.fixture(scope="module")
def trained_lm():
    """A ReLU TinyLM fitted for 60 steps to shifted periodic sequences (loss falls well below ln 16)."""
    torch.manual_seed(0)
    lm = TinyLM(16, d_model=24, n_layers=2, d_ff=64, act="relu")
    seq = (torch.arange(32).remainder(16)[None] + torch.arange(8)[:, None]) % 16
    opt = torch.optim.Adam(lm.parameters(), lr=3e-3)
    loss_fn = lambda: nn.functional.cross_entropy(  # noqa: E731
        lm(seq[:, :-1]).reshape(-1, 16), seq[:, 1:].reshape(-1))
    for _ in range(60):
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    lm.eval()
    return lm, seq, lambda: float(torch.no_grad()(loss_fn)())


def test_ppl_p_sparsity_keeps_perplexity_within_budget(trained_lm):
    lm, seq, evaluate = trained_lm
    assert evaluate() < 0.5 * np.log(16)
    downs = [f.down for f in lm.ffns()]
    r1 = sp.ppl_p_sparsity(lm, downs, seq[:, :-1], evaluate, p=1.0, tol=0.01, n_grid=512)
    r20 = sp.ppl_p_sparsity(lm, downs, seq[:, :-1], evaluate, p=20.0, tol=0.01, n_grid=512)
    assert r1["ppl_ratio"] <= 1.01 and r20["ppl_ratio"] <= 1.20
    assert r20["sparsity"] >= r1["sparsity"] > 0.3  # trained ReLU FFNs are sparse already
    assert set(r1["taus"]) == {"blocks.0.ffn.down", "blocks.1.ffn.down"}


def test_sweeps_trade_loss_for_sparsity(trained_lm):
    lm, seq, evaluate = trained_lm
    downs = [f.down for f in lm.ffns()]
    wina = sp.sparsity_sweep(lm, downs, {a: sp.wina_rule(a) for a in (1.0, 0.5, 0.25)}, evaluate)
    assert [round(r["sparsity"], 6) for r in wina] == [0.0, 0.5, 0.75]
    assert wina[0]["value"] == pytest.approx(evaluate()) and wina[2]["value"] > wina[0]["value"]
    acts = lambda n, m: n.endswith("ffn.act")  # noqa: E731
    cats_res = sp.cats_sweep(lm, seq[:, :-1], acts, [0.5, 0.95], evaluate)
    assert cats_res[0]["sparsity"] < cats_res[1]["sparsity"]
    assert cats_res[1]["value"] >= cats_res[0]["value"] - 1e-9


def test_bad_inputs_raise():
    with pytest.raises(ParameterError, match="active must be"):
        sp.topk_rule(0.0)
    with pytest.raises(ParameterError, match="target CETT"):
        sp.cett_threshold(rand(4, 3), rand(2, 3), 1.5)
    with pytest.raises(ParameterError, match="nn.Linear"):
        with sp.masked_inputs({"x": nn.ReLU()}, sp.topk_rule(0.5)):
            pass
