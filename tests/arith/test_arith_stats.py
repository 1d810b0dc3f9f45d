"""Statistics against scipy and closed forms."""
import numpy as np
import pytest
from scipy import stats

from actlab.arith.stats import beta_mean_ci, gamma_mean_ci, median_ci, summarize, wilson


@pytest.mark.parametrize("k,n", [(0, 100), (7, 100), (31, 100), (98, 100), (100, 100), (3, 5), (1, 1)])
def test_wilson_matches_scipy(k, n):
    ref = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    p, lo, hi = wilson(k, n)
    assert p == k / n
    assert lo == pytest.approx(ref.low, abs=1e-9) and hi == pytest.approx(ref.high, abs=1e-9)


def test_wilson_reproduces_the_papers_intervals():
    # Table 1: 98% (+1/-5), 100% (+0/-4), 0% (+4/-0), 14% (+8/-5)
    assert [round(100 * v) for v in wilson(98, 100)[1:]] == [93, 99]
    assert [round(100 * v) for v in wilson(100, 100)[1:]] == [96, 100]
    assert [round(100 * v) for v in wilson(0, 100)[1:]] == [0, 4]
    assert [round(100 * v) for v in wilson(14, 100)[1:]] == [9, 22]


def test_median_ci_uses_binomial_order_statistics():
    med, lo, hi = median_ci(np.arange(1, 101))
    assert (med, lo, hi) == (50.5, 40, 61)  # ranks 40 and 61 for n = 100 (coverage >= 95%)
    cov = stats.binom.cdf(60, 100, 0.5) - stats.binom.cdf(39, 100, 0.5)
    assert cov >= 0.95


def test_gamma_mle_mean_is_the_sample_mean_and_ci_covers_truth():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(40):
        x = rng.gamma(2.0, 5e4, size=30)
        m, lo, hi = gamma_mean_ci(x)
        assert m == pytest.approx(x.mean(), rel=1e-6)  # the gamma MLE of the mean is the sample mean
        hits += lo <= 1e5 <= hi
    assert hits >= 34  # ~95% coverage, binomial slack


def test_beta_mean_ci_brackets_the_mean_of_sparsity_errors():
    rng = np.random.default_rng(2)
    x = rng.beta(2, 20, size=50) * 0.5
    m, lo, hi = beta_mean_ci(x)
    assert lo < m < hi and m == pytest.approx(x.mean(), rel=0.05)


def test_summarize_counts_only_solved_seeds_for_speed_and_sparsity():
    rows = [dict(success=True, converged_at=1000, sparsity_error=0.01, diverged=False),
            dict(success=True, converged_at=3000, sparsity_error=0.03, diverged=False),
            dict(success=False, converged_at=None, sparsity_error=0.4, diverged=False),
            dict(success=False, converged_at=None, sparsity_error=None, diverged=True)]
    s = summarize(rows)
    assert (s["seeds"], s["solved"], s["diverged"], s["success_rate"]) == (4, 2, 1, 0.5)
    assert s["converged_at_median"] == 2000 and s["sparsity_error"] == pytest.approx(0.02, rel=0.05)
