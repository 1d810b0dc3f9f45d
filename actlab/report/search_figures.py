"""Figures of a stored search: the top functions' curves, the Pareto front (value vs cost) and progress."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from actlab.report._mpl import plt, save_figure
from actlab.store.candidates import CandidateRow
import torch  # noqa: E402


def _pareto(points: list[tuple[float, float]]) -> list[int]:
    from actlab.search.strategies import pareto_front

    return pareto_front(points)


def plot_top_functions(space: Any, rows: list[CandidateRow], out: str | Path, k: int = 6,
                       references: tuple[str, ...] = ("relu", "silu")) -> Path | None:
    """Curves of the ``k`` best candidates on [-5, 5] next to reference activations (elementwise spaces only)."""
    if not getattr(space, "elementwise", True) or not rows:
        return None
    import actlab

    x = torch.linspace(-5, 5, 401)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in references:
        ax.plot(x, actlab.functional(name)(x), ls="--", lw=1.2, color="grey", alpha=0.8)
        ax.annotate(name, (x[-1].item(), actlab.functional(name)(x)[-1].item()), fontsize=7, color="grey")
    for r in rows[:k]:
        with torch.no_grad():
            y = space.build(r.genome)(x.reshape(-1, 1)).reshape(-1)
        label = r.canonical if len(r.canonical) < 48 else r.canonical[:45] + "…"
        ax.plot(x, y.clamp(-6, 8), lw=1.6, label=f"#{r.idx} {label} ({r.value:.4g})")
    ax.set_ylim(-3, 6)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.set_title(f"top {min(k, len(rows))} candidates")
    ax.legend(fontsize=6.5, loc="upper left")
    return save_figure(fig, out, dpi=130)


def plot_pareto(rows: list[CandidateRow], out: str | Path, cost_label: str = "cost (ops or time vs ReLU)"
                ) -> Path | None:
    """Scatter of value vs cost for evaluated candidates with the Pareto front (value ↑, cost ↓) drawn."""
    ok = [r for r in rows if r.status == "done" and r.value is not None and r.cost is not None]
    if not ok:
        return None
    pts = [(r.value, r.cost) for r in ok]
    front = sorted(_pareto(pts), key=lambda i: pts[i][1])
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.scatter([p[1] for p in pts], [p[0] for p in pts], s=12, alpha=0.5, label="candidates")
    ax.plot([pts[i][1] for i in front], [pts[i][0] for i in front], "o-", color="C3", ms=5, label="Pareto front")
    for i in front[:8]:
        t = ok[i]["canonical"]
        ax.annotate(t if len(t) < 30 else t[:27] + "…", (pts[i][1], pts[i][0]), fontsize=6,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(cost_label)
    ax.set_ylabel("value (higher is better)")
    ax.set_title("accuracy vs cost")
    ax.legend(fontsize=8)
    return save_figure(fig, out, dpi=130)


def plot_progress(rows: list[CandidateRow], out: str | Path) -> Path | None:
    """Best value so far and each candidate's value against proposal index; rejections marked on the axis."""
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ok = [(r.idx, r.value) for r in rows if r.status in ("done", "duplicate") and r.value is not None]
    if ok:
        ax.scatter(*zip(*ok), s=8, alpha=0.5, label="candidate")
        best, run = [], -float("inf")
        for i, v in ok:
            run = max(run, v)
            best.append((i, run))
        ax.plot(*zip(*best), color="C3", lw=1.6, label="best so far")
        lo = min(v for _, v in ok)
        rej = [r.idx for r in rows if r.status in ("rejected", "failed")]
        if rej:
            ax.scatter(rej, [lo] * len(rej), marker="|", color="grey", label="rejected/failed")
    ax.set_xlabel("candidate index")
    ax.set_ylabel("value")
    ax.legend(fontsize=8)
    return save_figure(fig, out, dpi=130)
