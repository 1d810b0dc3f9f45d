"""Statistics of the bench: intervals against scipy, bootstrap coverage, paired counts, ranks, Pareto front."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from actlab.bench import stats


def test_t_interval_matches_scipy_t():
    x = np.random.default_rng(1).normal(3.0, 2.0, size=7)
    iv = stats.t_interval(x, conf=0.95)
    lo, hi = st.t.interval(0.95, df=len(x) - 1, loc=x.mean(), scale=st.sem(x))
    assert iv.mean == pytest.approx(x.mean())
    assert (iv.lo, iv.hi) == pytest.approx((lo, hi), rel=1e-12)
    assert iv.n == 7


def test_t_interval_of_one_value_is_unbounded():
    iv = stats.t_interval([0.5])
    assert iv.mean == 0.5 and iv.lo == -math.inf and iv.hi == math.inf


def test_bootstrap_interval_covers_true_mean_in_90_percent_of_repeats():
    rng = np.random.default_rng(0)
    hits = 0
    reps = 200
    for i in range(reps):
        x = rng.exponential(1.0, size=40)  # skewed on purpose; true mean 1.0
        iv = stats.bootstrap_interval(x, n_boot=1000, seed=i)
        hits += iv.lo <= 1.0 <= iv.hi
    assert hits / reps >= 0.90


def test_bootstrap_interval_is_seeded():
    x = [1.0, 2.0, 4.0, 8.0]
    assert stats.bootstrap_interval(x, seed=3) == stats.bootstrap_interval(x, seed=3)


def test_win_tie_loss_counts_each_seed_once():
    a = [0.9, 0.8, 0.7, 0.5, math.nan]
    b = [0.8, 0.8, 0.9, math.nan, 0.6]
    # seed0 win, seed1 tie, seed2 loss, seed3 win (baseline diverged), seed4 loss (a diverged)
    assert stats.win_tie_loss(a, b, higher_is_better=True) == (2, 1, 2)


def test_win_tie_loss_respects_lower_is_better_and_tolerance():
    a, b = [1.0, 2.0, 3.0], [1.05, 1.0, 3.2]
    assert stats.win_tie_loss(a, b, higher_is_better=False) == (2, 0, 1)
    assert stats.win_tie_loss(a, b, higher_is_better=False, tie_tol=0.1) == (1, 1, 1)


def _run(task, act, seed, value, diverged=False, hib=True):
    return {"task": task, "act": act, "seed": seed, "value": value, "diverged": diverged, "status": "ok",
            "higher_is_better": hib, "metric": "accuracy", "step_time": 1.0, "rel_step_time": 1.0,
            "params": 10, "wall_time": 1.0}


def test_paired_vs_baseline_matches_seeds_and_orients_difference():
    runs = [_run("t", "relu", s, v) for s, v in enumerate([0.80, 0.82, 0.84])]
    runs += [_run("t", "gelu", s, v) for s, v in enumerate([0.85, 0.82, 0.83])]
    runs += [_run("t", "gelu", 9, 0.99)]  # no baseline for seed 9: not paired
    (p,) = stats.paired_vs_baseline(runs, baseline="relu")
    assert (p.act, p.wins, p.ties, p.losses) == ("gelu", 1, 1, 1)
    diffs = [0.05, 0.0, -0.01]
    assert p.diff.mean == pytest.approx(np.mean(diffs))
    assert p.diff.n == 3


def test_summarize_excludes_diverged_runs_from_the_mean_and_counts_them():
    runs = [_run("t", "tanh", 0, 0.5), _run("t", "tanh", 1, 0.7), _run("t", "tanh", 2, None, diverged=True)]
    (s,) = stats.summarize(runs)
    assert s.n == 2 and s.n_diverged == 1 and s.mean == pytest.approx(0.6)
    ref = st.t.interval(0.95, df=1, loc=0.6, scale=st.sem([0.5, 0.7]))
    assert (s.t_lo, s.t_hi) == pytest.approx((max(ref[0], 0.0), min(ref[1], 1.0)))  # cut at accuracy's range
    assert s.clipped


def test_mean_ranks_average_over_tasks_with_shared_ties():
    runs = []
    for act, v1, v2 in (("a", 0.9, 2.0), ("b", 0.8, 1.0), ("c", 0.8, 3.0)):
        runs += [_run("acc", act, 0, v1), _run("acc", act, 1, v1)]
        runs += [_run("rmse", act, 0, v2, hib=False), _run("rmse", act, 1, v2, hib=False)]
    ranks = {a: r for a, r, _ in stats.mean_ranks(stats.summarize(runs))}
    # acc: a=1, b=c=2.5 ; rmse (lower better): b=1, a=2, c=3
    assert ranks == pytest.approx({"a": 1.5, "b": 1.75, "c": 2.75})


def test_pareto_front_on_a_hand_built_set():
    pts = [(1.0, 0.80),   # 0 cheapest: on the front
           (1.2, 0.85),   # 1 on the front
           (1.3, 0.84),   # 2 dominated by 1
           (2.0, 0.90),   # 3 on the front
           (2.0, 0.88),   # 4 dominated by 3 (same cost, worse)
           (3.0, 0.90),   # 5 dominated by 3 (same quality, dearer)
           (math.nan, 0.99)]  # 6 no cost: never on the front
    assert stats.pareto_front(pts) == [0, 1, 3]
    # lower is better: flip qualities and the same points form the front
    assert stats.pareto_front([(c, -q) for c, q in pts], higher_is_better=False) == [0, 1, 3]


def test_bootstrap_interval_matches_scipy_percentile_bootstrap():
    """Against scipy.stats.bootstrap (percentile method) at 20 000 resamples each: the two Monte Carlo quantiles
    differ by a few times sqrt(p(1-p)/B)/f(q) ≈ 0.02 σ_boot; a wrong percentile (e.g. 5% instead of 2.5%) moves a
    bound by 0.3 σ_boot."""
    x = np.random.default_rng(1).normal(0.8, 0.05, size=25)
    ours = stats.bootstrap_interval(x, conf=0.95, n_boot=20_000, seed=0)
    ref = st.bootstrap((x,), np.mean, method="percentile", confidence_level=0.95, n_resamples=20_000,
                       random_state=np.random.default_rng(2)).confidence_interval
    sd_boot = x.std(ddof=0) / np.sqrt(x.size)
    assert ours.lo == pytest.approx(ref.low, abs=0.1 * sd_boot)
    assert ours.hi == pytest.approx(ref.high, abs=0.1 * sd_boot)
    assert (ours.hi - ours.lo) == pytest.approx(ref.high - ref.low, abs=0.1 * sd_boot)
    assert ours.mean == pytest.approx(x.mean())


def test_report_boot_columns_are_the_percentile_bootstrap_of_the_seed_values(tmp_path):
    from actlab.report.html import fmt, write_report
    from actlab.store.runs import RunStore

    vals = [0.71, 0.74, 0.69, 0.77, 0.72, 0.70]
    with RunStore(tmp_path / "b.db") as s:
        for seed, v in enumerate(vals):
            s.record_run("t", "relu", seed, {}, {"metric": "accuracy", "value": v, "higher_is_better": True,
                                                 "diverged": False, "step_time": 1e-3})
        (summ,) = stats.summarize(s.runs())
    boot = stats.bootstrap_interval(vals)  # the report's own call, seeded: exactly what it must print
    assert (summ.boot_lo, summ.boot_hi) == (boot.lo, boot.hi)
    ref = st.bootstrap((np.array(vals),), np.mean, method="percentile", n_resamples=20_000,
                       random_state=np.random.default_rng(0)).confidence_interval
    sd_boot = np.std(vals) / np.sqrt(len(vals))
    # 2000 resamples in the report: Monte Carlo error ≈ 0.06 σ_boot per bound
    assert summ.boot_lo == pytest.approx(ref.low, abs=0.25 * sd_boot)
    assert summ.boot_hi == pytest.approx(ref.high, abs=0.25 * sd_boot)
    html = write_report(tmp_path / "b.db", tmp_path / "rep").read_text()
    assert f"<td>[{fmt(summ.boot_lo)}, {fmt(summ.boot_hi)}]</td>" in html


def test_paired_difference_for_lower_is_better_is_baseline_minus_act_with_t_bounds():
    """RMSE: lower is better, so the difference "positive = better than the baseline" is baseline − act; its
    interval is the t-interval of the per-seed differences (scipy), and wins are seeds where act is lower."""
    base = [0.30, 0.28, 0.35, 0.31, 0.29]
    act = [0.25, 0.29, 0.30, 0.27, 0.26]
    runs = [_run("t", "relu", s, v, hib=False) | {"metric": "rmse"} for s, v in enumerate(base)]
    runs += [_run("t", "gelu", s, v, hib=False) | {"metric": "rmse"} for s, v in enumerate(act)]
    (p,) = stats.paired_vs_baseline(runs, baseline="relu")
    d = np.array(base) - np.array(act)
    lo, hi = st.t.interval(0.95, df=d.size - 1, loc=d.mean(), scale=st.sem(d))
    assert p.diff.mean == pytest.approx(d.mean()) and p.diff.mean > 0
    assert (p.diff.lo, p.diff.hi) == pytest.approx((lo, hi))
    assert (p.wins, p.ties, p.losses) == (4, 0, 1)
    # perplexity, with a diverged seed: it loses, and its difference leaves the interval
    runs = [_run("t", "relu", s, v, hib=False) | {"metric": "perplexity"} for s, v in enumerate([12.0, 13.0, 11.5])]
    runs += [_run("t", "tanh", 0, 11.0, hib=False), _run("t", "tanh", 1, 14.0, hib=False),
             _run("t", "tanh", 2, None, diverged=True, hib=False)]
    (p,) = stats.paired_vs_baseline(runs, baseline="relu")
    d = np.array([12.0 - 11.0, 13.0 - 14.0])
    lo, hi = st.t.interval(0.95, df=1, loc=d.mean(), scale=st.sem(d))
    assert (p.wins, p.ties, p.losses) == (1, 0, 2)
    assert (p.diff.mean, p.diff.lo, p.diff.hi) == pytest.approx((d.mean(), lo, hi))
