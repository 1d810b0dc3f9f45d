"""Statistics over benchmark runs: confidence intervals, paired comparisons, ranks, and the Pareto front.

Everything here takes plain numbers or run dicts (as `actlab.store.runs.RunStore.runs` returns them) and
returns data; the report draws it.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats as _st


@dataclass(frozen=True)
class Interval:
    mean: float
    lo: float
    hi: float
    n: int


def t_interval(values: Sequence[float], conf: float = 0.95) -> Interval:
    """Student-t interval for the mean: mean ± t_{(1+conf)/2, n-1} · s/√n (s with ddof=1).

    With one value the interval is the point itself widened to ±inf (no spread can be estimated).
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    if n == 1:
        return Interval(m, -math.inf, math.inf, 1)
    half = float(_st.t.ppf(0.5 + conf / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(m, m - half, m + half, n)


def bootstrap_interval(values: Sequence[float], conf: float = 0.95, n_boot: int = 2000,
                       seed: int = 0) -> Interval:
    """Percentile bootstrap interval for the mean (Efron & Tibshirani 1993, ch. 13), resampling with replacement."""
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
    a = (1 - conf) / 2
    return Interval(float(x.mean()), float(np.quantile(means, a)), float(np.quantile(means, 1 - a)), n)


@dataclass(frozen=True)
class Summary:
    """Mean and 95% intervals of one activation on one task, over its seeds."""
    task: str
    act: str
    metric: str
    higher_is_better: bool
    n: int
    n_diverged: int
    mean: float
    t_lo: float
    t_hi: float
    boot_lo: float
    boot_hi: float
    step_time: float
    rel_step_time: float
    params: float
    wall_time: float
    peak_mem: float = math.nan  # bytes, as the task measured it (RSS: depends on run order)
    saved_mem: float = math.nan  # bytes autograd kept for backward in one training step (order-independent)
    clipped: bool = False  # an interval reached outside the metric's range and was cut at its bound
    flops: float = math.nan  # forward FLOPs per example (torch.utils.flop_counter: matmuls, convs, attention)
    throughput: float = math.nan  # training examples per second (batch size / median step time)
    device: str = ""  # where the runs trained, e.g. "cpu (AMD EPYC)" or "cuda:0 (NVIDIA H100)"; several joined by ", "

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _finite(xs: Iterable[Any]) -> list[float]:
    return [float(x) for x in xs if x is not None and math.isfinite(float(x))]


def _nanmean(xs: Iterable[Any]) -> float:
    v = _finite(xs)
    return float(np.mean(v)) if v else math.nan


def _field(run: Mapping[str, Any], key: str) -> Any:
    """A run's recorded ``key``: top-level in fresh results, inside ``extra`` for stored rows."""
    if key in run:
        return run[key]
    extra = run.get("extra")
    return extra.get(key) if isinstance(extra, Mapping) else None


def _saved_mem(run: Mapping[str, Any]) -> Any:
    return _field(run, "saved_mem")


def device_label(run: Mapping[str, Any]) -> str:
    """"cpu (x86_64)", "cuda:0 (NVIDIA H100) bf16 on node7": the device (and its name, a non-fp32 precision, and
    the host a Ray backend ran it on)."""
    dev, node = _field(run, "device"), _field(run, "node")
    host = node.get("host") if isinstance(node, Mapping) else None
    label = ""
    if dev:
        name, prec = _field(run, "device_name"), _field(run, "precision")
        label = f"{dev}" + (f" ({name})" if name else "") + (f" {prec}" if prec and prec != "fp32" else "")
    return " ".join(p for p in (label, f"on {host}" if host else "") if p)


def group_runs(runs: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Mapping[str, Any]]]:
    """(task, act) -> runs; errored runs are left out, diverged runs are kept (and counted)."""
    g: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for r in runs:
        if r.get("status", "ok") != "error":
            g[(r["task"], r["act"])].append(r)
    return dict(g)


def clip_interval(iv: Interval, bounds: tuple[float, float]) -> tuple[Interval, bool]:
    """``iv`` cut to ``bounds`` (a metric's range: accuracy in [0, 1], RMSE ≥ 0, perplexity ≥ 1), and whether
    it had to be: a symmetric t-interval over few seeds near a bound reaches values the metric cannot take.
    A one-value interval (±inf) is left as it is: it says "no spread", not "anything in range"."""
    lo, hi = bounds
    if iv.n < 2 or not (math.isfinite(iv.lo) and math.isfinite(iv.hi)):
        return iv, False
    new = Interval(iv.mean, max(iv.lo, lo), min(iv.hi, hi), iv.n)
    return new, (new.lo, new.hi) != (iv.lo, iv.hi)


def summarize(runs: Iterable[Mapping[str, Any]], conf: float = 0.95) -> list[Summary]:
    """One `Summary` per (task, act). Diverged runs have no metric and are excluded from the mean. Intervals
    are clipped to the metric's range (``clipped`` says when that happened)."""
    from actlab.tasks.metrics import metric_range

    out = []
    for (task, act), rs in sorted(group_runs(runs).items()):
        vals = _finite(r["value"] for r in rs if not r.get("diverged"))
        hib = next((bool(r["higher_is_better"]) for r in rs if r.get("higher_is_better") is not None), True)
        metric = next((r["metric"] for r in rs if r.get("metric")), "value")
        t, t_cut = clip_interval(t_interval(vals, conf), metric_range(metric))
        b, b_cut = clip_interval(bootstrap_interval(vals, conf), metric_range(metric))
        out.append(Summary(task, act, metric, hib, len(vals), sum(bool(r.get("diverged")) for r in rs), t.mean,
                           t.lo, t.hi, b.lo, b.hi, _nanmean(r.get("step_time") for r in rs),
                           _nanmean(r.get("rel_step_time") for r in rs), _nanmean(r.get("params") for r in rs),
                           _nanmean(r.get("wall_time") for r in rs), _nanmean(r.get("peak_mem") for r in rs),
                           _nanmean(_saved_mem(r) for r in rs), t_cut or b_cut,
                           _nanmean(_field(r, "flops") for r in rs), _nanmean(_field(r, "throughput") for r in rs),
                           ", ".join(sorted({device_label(r) for r in rs} - {""}))))
    return out


@dataclass(frozen=True)
class Paired:
    """``act`` against ``baseline`` on one task over shared seeds: win/tie/loss and the paired difference."""
    task: str
    act: str
    baseline: str
    wins: int
    ties: int
    losses: int
    diff: Interval  # act − baseline in "better is positive" orientation


def win_tie_loss(a: Sequence[float], b: Sequence[float], higher_is_better: bool = True,
                 tie_tol: float = 0.0) -> tuple[int, int, int]:
    """Count seeds where ``a`` beats, ties (|a−b| ≤ tie_tol) or loses to ``b``; NaN (diverged) always loses."""
    w = t = lo = 0
    for x, y in zip(a, b, strict=True):
        x_ok, y_ok = math.isfinite(x), math.isfinite(y)
        if not x_ok or not y_ok:
            if x_ok:
                w += 1
            elif y_ok:
                lo += 1
            else:
                t += 1
            continue
        d = (x - y) if higher_is_better else (y - x)
        if abs(d) <= tie_tol:
            t += 1
        elif d > 0:
            w += 1
        else:
            lo += 1
    return w, t, lo


def _by_seed(rs: Iterable[Mapping[str, Any]]) -> dict[int, float]:
    out = {}
    for r in rs:
        v = r.get("value")
        out[int(r["seed"])] = math.nan if r.get("diverged") or v is None else float(v)
    return out


def paired_vs_baseline(runs: Iterable[Mapping[str, Any]], baseline: str = "relu", tie_tol: float = 0.0,
                       conf: float = 0.95) -> list[Paired]:
    """Every activation against ``baseline`` on each task where both ran, matched by seed."""
    groups = group_runs(runs)
    out = []
    for (task, act), rs in sorted(groups.items()):
        if act == baseline or (task, baseline) not in groups:
            continue
        a, b = _by_seed(rs), _by_seed(groups[(task, baseline)])
        seeds = sorted(set(a) & set(b))
        if not seeds:
            continue
        hib = next((bool(r["higher_is_better"]) for r in rs if r.get("higher_is_better") is not None), True)
        xa, xb = [a[s] for s in seeds], [b[s] for s in seeds]
        w, t, lo = win_tie_loss(xa, xb, hib, tie_tol)
        sign = 1.0 if hib else -1.0
        diffs = [sign * (x - y) for x, y in zip(xa, xb) if math.isfinite(x) and math.isfinite(y)]
        out.append(Paired(task, act, baseline, w, t, lo, t_interval(diffs, conf)))
    return out


def mean_ranks(summaries: Iterable[Summary]) -> list[tuple[str, float, int]]:
    """Rank activations on each task by mean (1 = best, ties share the average rank), then average over tasks.

    Returns (act, mean rank, number of tasks), best first. An activation with no finite mean on a task (all its
    runs diverged) takes the worst rank there.
    """
    by_task: dict[str, list[Summary]] = defaultdict(list)
    for s in summaries:
        by_task[s.task].append(s)
    ranks: dict[str, list[float]] = defaultdict(list)
    for ss in by_task.values():
        hib = ss[0].higher_is_better
        # score: larger is better; a missing mean becomes -inf so it ranks last
        score = [(s.mean if hib else -s.mean) if math.isfinite(s.mean) else -math.inf for s in ss]
        r = _st.rankdata([-v for v in score], method="average")
        for s, rk in zip(ss, r):
            ranks[s.act].append(float(rk))
    table = [(act, float(np.mean(rs)), len(rs)) for act, rs in ranks.items()]
    return sorted(table, key=lambda t: (t[1], t[0]))


def pareto_front(points: Sequence[tuple[float, float]], higher_is_better: bool = True) -> list[int]:
    """Indices of the points (cost, quality) not dominated by another: no other point is at most as costly and at
    least as good, and strictly better in one. Lower cost is better. Returned sorted by cost."""
    pts = [(c, q if higher_is_better else -q) for c, q in points]
    front = []
    for i, (ci, qi) in enumerate(pts):
        if not (math.isfinite(ci) and math.isfinite(qi)):
            continue
        dominated = any(cj <= ci and qj >= qi and (cj < ci or qj > qi)
                        for j, (cj, qj) in enumerate(pts) if j != i and math.isfinite(cj) and math.isfinite(qj))
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (pts[i][0], -pts[i][1]))


def wall_times(runs: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], tuple[float, int]]:
    """(task, "small" | "full") -> (mean seconds per finished run, number of runs), from stored runs; runs with
    other budget options (epochs=..., a device) are left out, so the number answers "how long does it take here"."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in runs:
        opts = {k: v for k, v in (r.get("options") or {}).items() if k != "task_fingerprint"}
        if r.get("status", "ok") == "error" or set(opts) - {"small"} or r.get("wall_time") is None:
            continue
        acc[(r["task"], "small" if opts.get("small") else "full")].append(float(r["wall_time"]))
    return {k: (float(np.mean(v)), len(v)) for k, v in acc.items()}
