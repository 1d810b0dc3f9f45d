"""Summary statistics of the arithmetic benchmark (Madsen & Johansen 2019/2020, research notes §4).

* success rate with the 95% **Wilson** score interval (R ``binom.confint(method="wilson")``);
* solved-at: the median, with a distribution-free order-statistic interval for the median, and the paper's
  **gamma** maximum-likelihood mean with a profile-likelihood 95% interval;
* sparsity error: the mean with a **beta**-on-[0, 0.5] profile-likelihood interval (the paper's choice),
  falling back to a t-interval when the fit fails.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize, special, stats

from actlab.core.errors import ParameterError

Z95 = 1.959963984540054  # Φ⁻¹(0.975)
CHI2_95 = 3.841458820694124  # χ²₁ 0.95 quantile


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """``(p̂, low, high)`` of the Wilson score interval for ``successes`` out of ``n`` trials.

    low/high = (p̂ + z²/2n ∓ z·sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n).
    """
    if n < 1 or not 0 <= successes <= n:
        raise ParameterError(f"wilson needs 0 <= successes <= n and n >= 1, got successes={successes}, n={n}")
    p = successes / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, (centre - half) / denom)  # exact ends (no round-off residue)
    high = 1.0 if successes == n else min(1.0, (centre + half) / denom)
    return p, low, high


def median_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Median and a distribution-free interval from order statistics (binomial(n, 1/2) ranks).

    Returns ``(median, low, high)``; NaN for an empty sample, the whole range when n is too small for ``level``.
    """
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    med = float(np.median(x))
    # [x_(j), x_(n+1-j)] covers the median with probability 1 - 2·P(B <= j-1), B ~ Bin(n, 1/2):
    # take the largest j with P(B <= j-1) <= alpha/2
    alpha = 1 - level
    k = int(stats.binom.ppf(alpha / 2, n, 0.5))
    if stats.binom.cdf(k, n, 0.5) > alpha / 2:
        k -= 1
    j = k + 1
    if j < 1:
        return med, float(x[0]), float(x[-1])
    return med, float(x[j - 1]), float(x[n - j])


def _profile_mean_ci(loglik: Callable[[float, float], float], mean_bounds: tuple[float, float],
                     start: float) -> tuple[float, float, float] | None:
    """MLE of the mean and its profile-likelihood interval for a family parameterised by (mean, log-shape)."""

    def profile(mu: float) -> float:
        r = optimize.minimize_scalar(lambda ls: -loglik(mu, ls), bounds=(-8.0, 25.0), method="bounded")
        return -float(r.fun)

    lo_b, hi_b = mean_bounds
    r = optimize.minimize_scalar(lambda m: -profile(m), bounds=mean_bounds, method="bounded",
                                 options={"xatol": 1e-10 * max(abs(start), 1e-12)})
    mu_hat, lmax = float(r.x), -float(r.fun)
    if not math.isfinite(lmax):
        return None

    def g(m: float) -> float:
        return 2 * (lmax - profile(m)) - CHI2_95

    try:
        low = optimize.brentq(g, lo_b, mu_hat) if g(lo_b) > 0 else lo_b
        high = optimize.brentq(g, mu_hat, hi_b) if g(hi_b) > 0 else hi_b
    except ValueError:
        return None
    return mu_hat, float(low), float(high)


def gamma_mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Gamma-MLE mean with a 95% profile-likelihood interval (the paper's solved-at statistic).

    Parameterised by mean μ and shape k (scale μ/k); NaNs when fewer than 2 distinct positive values.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 2 or np.ptp(x) == 0:
        m = float(x.mean()) if len(x) else math.nan
        return m, math.nan, math.nan
    n, slx, sx = len(x), float(np.log(x).sum()), float(x.sum())

    def loglik(mu: float, log_k: float) -> float:
        k = math.exp(log_k)
        return n * (k * math.log(k / mu) - special.gammaln(k)) + (k - 1) * slx - k * sx / mu

    mean = float(x.mean())
    out = _profile_mean_ci(loglik, (x.min() * 0.5, x.max() * 2.0), mean)
    return out if out is not None else (mean, math.nan, math.nan)


def beta_mean_ci(values: Sequence[float], upper: float = 0.5) -> tuple[float, float, float]:
    """Mean of values on [0, ``upper``] with a beta (x/upper ~ Beta) profile-likelihood interval.

    Falls back to a t-interval when the fit fails (as the paper's R code does).
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if len(x) < 2 or np.ptp(x) == 0:
        return mean, math.nan, math.nan
    y = np.clip(x / upper, 1e-12, 1 - 1e-12)
    n, sly, sl1y = len(y), float(np.log(y).sum()), float(np.log1p(-y).sum())

    def loglik(mu: float, log_phi: float) -> float:
        phi = math.exp(log_phi)
        a, b = mu * phi, (1 - mu) * phi
        return n * (special.gammaln(phi) - special.gammaln(a) - special.gammaln(b)) + (a - 1) * sly + (b - 1) * sl1y

    out = _profile_mean_ci(loglik, (1e-12, 1 - 1e-12), float(y.mean()))
    if out is None:
        half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
        return mean, mean - half, mean + half
    mu, lo, hi = out
    return mu * upper, lo * upper, hi * upper


def summarize(results: Sequence[dict]) -> dict:
    """One table row from per-seed results (dicts with success, converged_at, sparsity_error, diverged)."""
    n = len(results)
    if n == 0:
        raise ParameterError("summarize needs at least one seed result")
    solved = [r for r in results if r["success"]]
    p, lo, hi = wilson(len(solved), n)
    conv = [float(r["converged_at"]) for r in solved if r["converged_at"] is not None]
    med, med_lo, med_hi = median_ci(conv)
    gmean, g_lo, g_hi = gamma_mean_ci(conv)
    sp = [float(r["sparsity_error"]) for r in solved if r["sparsity_error"] is not None]
    s_mean, s_lo, s_hi = beta_mean_ci(sp)
    return {"seeds": n, "solved": len(solved), "diverged": sum(bool(r["diverged"]) for r in results),
            "success_rate": p, "ci_low": lo, "ci_high": hi,
            "converged_at_median": med, "converged_at_median_low": med_lo, "converged_at_median_high": med_hi,
            "converged_at_mean": gmean, "converged_at_mean_low": g_lo, "converged_at_mean_high": g_hi,
            "sparsity_error": s_mean, "sparsity_error_low": s_lo, "sparsity_error_high": s_hi}
