"""Benchmark figures (matplotlib, Agg): per-task bars with CIs, learning curves, cost-vs-quality with its front."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from actlab.report._mpl import plt, save_figure
import numpy as np  # noqa: E402

from actlab.bench.stats import Summary, pareto_front  # noqa: E402

_CMAP = plt.get_cmap("tab10")


def colors(acts: Sequence[str]) -> dict[str, tuple]:
    """One stable colour per activation, shared by every figure of a report."""
    return {a: _CMAP(i % 10) for i, a in enumerate(acts)}


def _err(s: Summary) -> tuple[float, float]:
    """Error bar lengths from the t interval (0 where it is undefined, e.g. one seed)."""
    if not (math.isfinite(s.mean) and math.isfinite(s.t_lo) and math.isfinite(s.t_hi)):
        return 0.0, 0.0
    return s.mean - s.t_lo, s.t_hi - s.mean


def task_bars(task: str, sums: Sequence[Summary], out: str | Path, cmap: Mapping[str, tuple]) -> Path:
    """Mean final metric per activation on one task with 95% t-interval error bars; best first."""
    sums = sorted(sums, key=lambda s: (-s.mean if s.higher_is_better else s.mean)
                  if math.isfinite(s.mean) else math.inf)
    fig, ax = plt.subplots(figsize=(max(3.5, 0.55 * len(sums) + 1.5), 3.2))
    x = np.arange(len(sums))
    means = [s.mean if math.isfinite(s.mean) else 0.0 for s in sums]
    errs = np.array([_err(s) for s in sums]).T if sums else np.zeros((2, 0))
    ax.bar(x, means, yerr=errs, capsize=3, color=[cmap.get(s.act, "0.5") for s in sums], edgecolor="0.2", lw=0.5)
    for i, s in enumerate(sums):
        if not math.isfinite(s.mean):
            ax.text(i, 0, "diverged", rotation=90, ha="center", va="bottom", fontsize=7)
    finite = [(m - e0, m + e1) for m, e0, e1 in zip(means, *errs) if math.isfinite(m)] if sums else []
    if finite and sums and sums[0].higher_is_better:
        lo, hi = min(a for a, _ in finite), max(b for _, b in finite)
        pad = max(1e-6, 0.15 * (hi - lo))
        top = hi + pad
        from actlab.tasks.metrics import metric_range

        rlo, rhi = metric_range(sums[0].metric)
        if math.isfinite(rlo) and math.isfinite(rhi):  # the axis stays near the values the metric can take
            top = min(top, rhi + 0.02 * (rhi - rlo))
        ax.set_ylim(max(0.0, lo - pad) if lo >= 0 else lo - pad, top)
    ax.set_xticks(x, [s.act for s in sums], rotation=45, ha="right", fontsize=8)
    metric = sums[0].metric if sums else ""
    arrow = "↑" if (sums and sums[0].higher_is_better) else "↓"
    ax.set_ylabel(f"{metric} {arrow}")
    ax.set_title(f"{task}: mean ± 95% CI", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, Path(out))


def learning_curves(task: str, curves: Mapping[str, Sequence[Sequence[float]]], metric: str, out: str | Path,
                    cmap: Mapping[str, tuple]) -> Path:
    """Per-epoch metric, mean over seeds (shaded: min–max over seeds), one line per activation."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for act, runs in curves.items():
        runs = [r for r in runs if len(r)]
        if not runs:
            continue
        n = max(len(r) for r in runs)
        arr = np.full((len(runs), n), np.nan)
        for i, r in enumerate(runs):
            arr[i, :len(r)] = r
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                m, lo, hi = np.nanmean(arr, 0), np.nanmin(arr, 0), np.nanmax(arr, 0)
        ep = np.arange(1, n + 1)
        ax.plot(ep, m, label=act, color=cmap.get(act), lw=1.5)
        ax.fill_between(ep, lo, hi, color=cmap.get(act), alpha=0.15, lw=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(f"{task}: learning curves", fontsize=10)
    ax.grid(alpha=0.3)
    if curves:
        ax.legend(fontsize=7, ncol=2)
    return save_figure(fig, Path(out))


def cost_quality(task: str, sums: Sequence[Summary], out: str | Path, cmap: Mapping[str, tuple],
                 cost: str = "rel_step_time") -> tuple[Path, list[str]]:
    """Scatter of cost (time per step relative to ReLU, or absolute when no ReLU run exists) against the mean
    metric, with the Pareto front drawn as a step line; returns the figure and the front's activations."""
    pts = [(getattr(s, cost), s.mean) for s in sums]
    if not any(math.isfinite(c) for c, _ in pts):
        cost = "step_time"
        pts = [(s.step_time, s.mean) for s in sums]
    hib = sums[0].higher_is_better if sums else True
    front = pareto_front(pts, higher_is_better=hib)
    fig, ax = plt.subplots(figsize=(5, 3.4))
    for s, (c, q) in zip(sums, pts):
        if math.isfinite(c) and math.isfinite(q):
            e0, e1 = _err(s)
            ax.errorbar([c], [q], yerr=[[e0], [e1]], fmt="o", color=cmap.get(s.act), capsize=2, ms=5)
            ax.annotate(s.act, (c, q), textcoords="offset points", xytext=(4, 3), fontsize=7)
    if front:
        fx, fy = [pts[i][0] for i in front], [pts[i][1] for i in front]
        ax.step(fx, fy, where="post", color="k", lw=1, ls="--", label="Pareto front")
        ax.legend(fontsize=7)
    ax.set_xlabel("time per step / ReLU's" if cost == "rel_step_time" else "time per step (s)")
    ax.set_ylabel(f"{sums[0].metric if sums else ''} {'↑' if hib else '↓'}")
    ax.set_title(f"{task}: quality vs cost", fontsize=10)
    ax.grid(alpha=0.3)
    return save_figure(fig, Path(out)), [sums[i].act for i in front]
