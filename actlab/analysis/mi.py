"""Mutual-information estimators behind one call: `mutual_information(x, y, method=..., unit=...)`.

Methods (all vectorised; none loops over samples in Python):

* ``"binning"``  plug-in estimate on a fixed grid, as in the information-plane papers. Continuous variables are
  cut into ``bins`` equal intervals over ``range`` (default: the variable's own min..max), or into cells of width
  ``bin_size`` (floor(v / bin_size), Saxe et al. 2018, which also works for unbounded ReLU units). A vector's
  state is the tuple of its per-unit bins. I = H(X) + H(Y) − H(X, Y).
* ``"adaptive"`` entropy-based adaptive binning (EBAB, Chelombiev et al. 2019): the edges hold the same number
  of *distinct* observed values, pooled over the variable's units.
* ``"kde_upper"`` / ``"kde_lower"`` Kolchinsky–Tracey pairwise-distance bounds for T = h + N(0, σ²I) and a
  discrete partner: I = H(T) − Σ_c p(c) H(T | c) with each mixture entropy bounded through pairwise KL
  (upper, exp(−D/2σ²)) or Bhattacharyya (lower, exp(−D/8σ²)) distances. ``noise_var`` (σ²) is required.
* ``"ksg"`` Kraskov–Stögbauer–Grassberger estimator 1 (max-norm, k neighbours, KD-tree):
  I = ψ(k) + ψ(N) − ⟨ψ(n_x + 1) + ψ(n_y + 1)⟩. When one variable is discrete, the continuous–discrete form
  H(T) − Σ_c p(c) H(T | c) with Kozachenko–Leonenko entropies is used instead.

Integer and bool arrays are treated as discrete labels (a row is one symbol); floats as continuous. Override with
``x_discrete=`` / ``y_discrete=``. Results are in bits unless ``unit="nats"``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

from actlab.core.errors import ParameterError, ShapeError, UnknownNameError

METHODS = ("binning", "adaptive", "kde_upper", "kde_lower", "ksg")
UNITS = {"bits": 1.0 / np.log(2.0), "nats": 1.0}


# ----------------------------------------------------------------------------------------------- validation
def as_samples(a: Any, name: str) -> np.ndarray:
    """A (n, d) array from a numpy array, torch tensor or list; 1-D input becomes one column.

    Raises `ShapeError` for empty or >2-D input and `ParameterError` for NaN or inf entries.
    """
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":  # object, strings, complex, datetimes: no silent casting
        raise ShapeError(f"{name} must be a real numeric (bool, int or float) array, got dtype {a.dtype}")
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ShapeError(f"{name} must be 1-D (n,) or 2-D (n, d) samples, got shape {a.shape}")
    if a.shape[0] < 2 or a.shape[1] < 1:
        raise ShapeError(f"{name} needs at least 2 samples and 1 column, got shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        bad = int((~np.isfinite(a)).sum())
        raise ParameterError(f"{name} contains {bad} NaN/inf value(s); MI of non-finite activations is undefined")
    return a


def _pair(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_samples(x, "x"), as_samples(y, "y")
    if x.shape[0] != y.shape[0]:
        raise ShapeError(f"x and y must have the same number of samples (rows), got x: {x.shape[0]}, "
                         f"y: {y.shape[0]}")
    return x, y


def _is_discrete(a: np.ndarray, flag: bool | None) -> bool:
    return bool(flag) if flag is not None else a.dtype.kind in "iub"


def _check_int(name: str, v: Any, lo: int) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
        raise ParameterError(f"{name} must be an integer >= {lo}, got {v!r}")
    return int(v)


def _check_pos(name: str, v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a positive number, got {v!r}") from None
    if not np.isfinite(f) or f <= 0:
        raise ParameterError(f"{name} must be a positive finite number, got {v!r}")
    return f


# ---------------------------------------------------------------------------------------- discrete helpers
def row_ids(a: np.ndarray) -> np.ndarray:
    """Integer symbol per row: equal rows get equal ids (0..m−1)."""
    a = np.asarray(a)
    if a.ndim == 1:
        a = a[:, None]
    if a.dtype.kind in "iub":
        a = a.astype(np.int64)
        a = a - a.min(axis=0, keepdims=True)
        span = a.max(axis=0) + 1
        # mixed-radix code when it fits in int64: 1-D unique is much faster than unique(axis=0)
        if np.sum(np.log2(span.astype(float))) < 62:
            radix = np.concatenate([[1], np.cumprod(span[::-1])[:-1]])[::-1].astype(np.int64)
            return np.unique(a @ radix, return_inverse=True)[1].ravel()
    return np.unique(a, axis=0, return_inverse=True)[1].ravel()


def entropy_of_ids(ids: np.ndarray) -> float:
    """Plug-in Shannon entropy (nats) of a sequence of symbols."""
    p = np.bincount(ids) / len(ids)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def discrete_mi(xi: np.ndarray, yi: np.ndarray) -> float:
    """Plug-in I(X;Y) in nats from two symbol sequences."""
    joint = row_ids(np.stack([xi, yi], axis=1))
    return entropy_of_ids(xi) + entropy_of_ids(yi) - entropy_of_ids(joint)


def bin_fixed(a: np.ndarray, bins: int = 30, range: tuple[float, float] | None = None,
              bin_size: float | None = None) -> np.ndarray:
    """Per-unit bin index of continuous samples on one grid shared by all units.

    ``bin_size`` gives floor(a / bin_size) (unbounded grid); otherwise ``bins`` equal intervals over ``range``
    (default: min..max of all values), values outside the range going to the end bins.
    """
    if bin_size is not None:
        return np.floor(a / _check_pos("bin_size", bin_size)).astype(np.int64)
    bins = _check_int("bins", bins, 2)
    lo, hi = (float(a.min()), float(a.max())) if range is None else map(float, range)
    if not hi > lo:
        if range is not None:
            raise ParameterError(f"range must satisfy low < high, got {range!r}")
        return np.zeros(a.shape, dtype=np.int64)  # a constant variable occupies one bin
    inner = np.linspace(lo, hi, bins + 1)[1:-1]
    return np.searchsorted(inner, a, side="right").astype(np.int64)


def bin_adaptive(a: np.ndarray, bins: int = 30) -> np.ndarray:
    """EBAB: edges at equal counts of distinct values (pooled over units), so each bin covers as many distinct
    observed values as the others (Chelombiev et al. 2019)."""
    bins = _check_int("bins", bins, 2)
    u = np.unique(a)
    if len(u) <= bins:
        return np.searchsorted(u, a).astype(np.int64)
    inner = u[(np.arange(1, bins) * len(u)) // bins]
    return np.searchsorted(inner, a, side="right").astype(np.int64)


def _symbols(a: np.ndarray, discrete: bool, method: str, opts: dict) -> np.ndarray:
    if discrete:
        return row_ids(a)
    if method == "adaptive":
        return row_ids(bin_adaptive(a, opts.get("bins", 30)))
    return row_ids(bin_fixed(a, opts.get("bins", 30), opts.get("range"), opts.get("bin_size")))


# ---------------------------------------------------------------------------------------------------- KDE
def kde_entropy(h: np.ndarray, noise_var: float, bound: str = "upper", chunk: int = 2048) -> float:
    """Bound (nats) on the entropy of the equal-weight Gaussian mixture Σ_i N(h_i, σ²I)/N (Kolchinsky & Tracey
    2017): H(T|X) − mean_i ln mean_j exp(−‖h_i − h_j‖² / (s σ²)), s = 2 (KL, upper) or 8 (Bhattacharyya, lower).
    Pairwise distances are computed in row chunks to bound memory at chunk × N."""
    n, d = h.shape
    s = 2.0 if bound == "upper" else 8.0
    h = h.astype(np.float64)
    sq = (h * h).sum(1)
    lse = np.empty(n)
    for i in range(0, n, chunk):
        blk = h[i:i + chunk]
        dist = np.maximum(sq[i:i + chunk, None] + sq[None, :] - 2.0 * blk @ h.T, 0.0)
        z = -dist / (s * noise_var)
        zmax = z.max(axis=1, keepdims=True)  # = 0 (the point itself); plain numpy: scipy's logsumexp costs ms
        lse[i:i + chunk] = (zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True)))[:, 0] - np.log(n)
    return 0.5 * d * np.log(2 * np.pi * np.e * noise_var) - float(lse.mean())


def _conditional_split(t: np.ndarray, c: np.ndarray, entropy_fn, singleton: float | None = None) -> float:
    """H(T) − Σ_c p(c) H(T | C = c) with a given entropy estimator.

    ``singleton`` is the estimator's value for a one-sample class when it has a closed form (for the KDE
    bounds: the noise entropy), which saves a call per class when every c is distinct (X = pattern id)."""
    ids = row_ids(c)
    h = entropy_fn(t)
    counts = np.bincount(ids)
    order = np.argsort(ids, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    for k in np.flatnonzero(counts):
        if counts[k] == 1 and singleton is not None:
            h -= singleton / len(ids)
        else:
            h -= counts[k] / len(ids) * entropy_fn(t[order[bounds[k]:bounds[k + 1]]])
    return h


# ---------------------------------------------------------------------------------------------------- KSG
def _prepare_continuous(a: np.ndarray, name: str, constant: str, jitter: float, rng: np.random.Generator
                        ) -> np.ndarray:
    a = a.astype(np.float64)
    std = a.std(axis=0)
    const = std == 0
    if const.any():
        if constant == "raise":
            cols = np.flatnonzero(const).tolist()
            raise ParameterError(f"{name} has constant column(s) {cols[:10]}; KSG rescales each column by its "
                                 "spread. Drop them or pass constant='drop'")
        if constant != "drop":
            raise ParameterError(f"constant must be 'raise' or 'drop', got {constant!r}")
        a, std = a[:, ~const], std[~const]
    a = (a - a.mean(axis=0)) / std
    # tiny noise breaks distance ties (Kraskov et al. assume a continuous density)
    return a + jitter * rng.standard_normal(a.shape)


def kl_entropy(a: np.ndarray, k: int = 3) -> float:
    """Kozachenko–Leonenko entropy (nats) with max-norm radii: ψ(N) − ψ(k) + d ln 2 + (d/N) Σ ln r_i."""
    n, d = a.shape
    if k >= n:
        raise ParameterError(f"k must be < number of samples in every group, got k={k} with {n} samples")
    r = cKDTree(a).query(a, k=k + 1, p=np.inf, workers=-1)[0][:, -1]
    r = np.maximum(r, 1e-300)
    return float(digamma(n) - digamma(k) + d * np.log(2) + d * np.mean(np.log(r)))


def ksg(x: np.ndarray, y: np.ndarray, k: int = 3) -> float:
    """KSG estimator 1 in nats on prepared (scaled, jittered) continuous samples."""
    n = x.shape[0]
    joint = np.hstack([x, y])
    eps = cKDTree(joint).query(joint, k=k + 1, p=np.inf, workers=-1)[0][:, -1]
    # strict inequality ‖·‖ < ε: shrink the radius by one ulp; the count includes the point itself (the "+1")
    r = np.nextafter(eps, 0)
    nx = cKDTree(x).query_ball_point(x, r, p=np.inf, return_length=True, workers=-1)
    ny = cKDTree(y).query_ball_point(y, r, p=np.inf, return_length=True, workers=-1)
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx) + digamma(ny)))


# ------------------------------------------------------------------------------------------------ the call
_KNOWN_OPTS = {
    "binning": {"bins", "range", "bin_size", "x_discrete", "y_discrete"},
    "adaptive": {"bins", "x_discrete", "y_discrete"},
    "kde_upper": {"noise_var", "x_discrete", "y_discrete", "chunk"},
    "kde_lower": {"noise_var", "x_discrete", "y_discrete", "chunk"},
    "ksg": {"k", "jitter", "seed", "constant", "x_discrete", "y_discrete"},
}


def mutual_information(x: Any, y: Any, method: str = "binning", unit: str = "bits", **opts: Any) -> float:
    """Estimate I(X; Y) from paired samples.

    Args:
        x, y: samples, shape (n,) or (n, d); numpy arrays, torch tensors or lists. Integer/bool → discrete.
        method: one of ``binning``, ``adaptive``, ``kde_upper``, ``kde_lower``, ``ksg`` (see module doc).
        unit: ``"bits"`` (default) or ``"nats"``.
        **opts: ``bins`` (30), ``range``, ``bin_size`` for binning; ``bins`` for adaptive; ``noise_var``
            (required) for KDE; ``k`` (3), ``jitter`` (1e-10), ``seed`` (0), ``constant`` ("raise"|"drop")
            for KSG; ``x_discrete`` / ``y_discrete`` to override the dtype rule.

    Returns:
        The estimate as a float. Plug-in binning is ≥ 0; KSG can be slightly negative for independent data.

    Shape:
        x: (n,) or (n, d_x); y: (n,) or (n, d_y); same n.
    """
    if method not in METHODS:
        raise UnknownNameError("MI method", str(method), METHODS)
    if unit not in UNITS:
        raise UnknownNameError("unit", str(unit), UNITS)
    extra = set(opts) - _KNOWN_OPTS[method]
    if extra:
        raise ParameterError(f"unknown option(s) {sorted(extra)} for method {method!r}; "
                             f"allowed: {sorted(_KNOWN_OPTS[method])}")
    if opts.get("bin_size") is not None and ({"bins", "range"} & set(opts)):
        raise ParameterError("bin_size fixes the bin width on an unbounded grid; it cannot be combined with "
                             f"{sorted({'bins', 'range'} & set(opts))} (equal intervals over a range)")
    x, y = _pair(x, y)
    xd, yd = _is_discrete(x, opts.get("x_discrete")), _is_discrete(y, opts.get("y_discrete"))

    if method in ("binning", "adaptive"):
        nats = discrete_mi(_symbols(x, xd, method, opts), _symbols(y, yd, method, opts))
    elif method in ("kde_upper", "kde_lower"):
        if "noise_var" not in opts:
            raise ParameterError(f"method {method!r} needs noise_var (σ² of the Gaussian noise added to the "
                                 "continuous variable), e.g. noise_var=1e-3 for the IB net")
        var = _check_pos("noise_var", opts["noise_var"])
        if xd == yd:
            raise ParameterError("KDE bounds need exactly one discrete variable (labels or input ids) and one "
                                 f"continuous one; got x_discrete={xd}, y_discrete={yd}")
        t, c = (y, x) if xd else (x, y)
        bound = "upper" if method == "kde_upper" else "lower"
        chunk = _check_int("chunk", opts.get("chunk", 2048), 1)
        noise_h = 0.5 * t.shape[1] * np.log(2 * np.pi * np.e * var)
        nats = _conditional_split(t, c, lambda a: kde_entropy(a, var, bound, chunk), singleton=noise_h)
    else:
        k = _check_int("k", opts.get("k", 3), 1)
        n = x.shape[0]
        if k >= n:
            raise ParameterError(f"k must be smaller than the number of samples, got k={k} with n={n}")
        rng = np.random.default_rng(opts.get("seed", 0))
        jitter = float(opts.get("jitter", 1e-10))
        constant = opts.get("constant", "raise")
        if xd and yd:
            nats = discrete_mi(row_ids(x), row_ids(y))
        elif xd or yd:
            t, c = (y, x) if xd else (x, y)
            t = _prepare_continuous(t, "y" if xd else "x", constant, jitter, rng)
            nats = 0.0 if t.shape[1] == 0 else _conditional_split(t, c, lambda a: kl_entropy(a, k))
        else:
            xs = _prepare_continuous(x, "x", constant, jitter, rng)
            ys = _prepare_continuous(y, "y", constant, jitter, rng)
            nats = 0.0 if xs.shape[1] == 0 or ys.shape[1] == 0 else ksg(xs, ys, k)
    return float(nats * UNITS[unit])


def entropy(x: Any, unit: str = "bits", **opts: Any) -> float:
    """Plug-in entropy of discrete (or binned continuous, with ``bins``/``range``/``bin_size``) samples."""
    if unit not in UNITS:
        raise UnknownNameError("unit", str(unit), UNITS)
    a = as_samples(x, "x")
    ids = _symbols(a, _is_discrete(a, opts.pop("discrete", None)), "binning", opts)
    return entropy_of_ids(ids) * UNITS[unit]


@dataclass(frozen=True)
class ShuffleTest:
    """MI estimate beside its null distribution from shuffled pairings."""

    mi: float
    null_mean: float
    null_low: float
    null_high: float
    p_value: float


def shuffle_test(x: Any, y: Any, method: str = "ksg", n_shuffles: int = 200, alpha: float = 0.05,
                 seed: int = 0, unit: str = "bits", **opts: Any) -> ShuffleTest:
    """Compare I(X;Y) with its values after permuting y (which destroys any dependence), NPEET-style.

    Returns the estimate, the mean and the central (1 − alpha) interval of the null, and the one-sided p-value
    (share of shuffles at least as large as the estimate, with the +1 correction).
    """
    n_shuffles = _check_int("n_shuffles", n_shuffles, 1)
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}")
    x, y = _pair(x, y)
    rng = np.random.default_rng(seed)
    mi = mutual_information(x, y, method, unit, **opts)
    null = np.array([mutual_information(x, y[rng.permutation(len(y))], method, unit, **opts)
                     for _ in range(n_shuffles)])
    lo, hi = np.quantile(null, [alpha / 2, 1 - alpha / 2])
    p = (1 + np.sum(null >= mi)) / (1 + n_shuffles)
    return ShuffleTest(mi, float(null.mean()), float(lo), float(hi), float(p))
