"""Figure of the arithmetic benchmark: success rate per (op, unit) with 95% Wilson intervals."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actlab.report._mpl import plt, save_figure

from actlab.arith.task import OPS  # noqa: E402


def plot_success(rows: Sequence[dict], out: str | Path, title: str | None = None) -> Path:
    """One panel per op: a bar per unit (success rate) with its Wilson interval; writes PNG/SVG to ``out``."""
    ops = list(dict.fromkeys(r["op"] for r in rows))
    fig, axes = plt.subplots(1, len(ops), figsize=(3.2 * len(ops) + 0.6, 3.2), squeeze=False, sharey=True)
    for ax, op in zip(axes[0], ops):
        sub = [r for r in rows if r["op"] == op]
        xs = range(len(sub))
        p = [100 * r["success_rate"] for r in sub]
        lo = [100 * (r["success_rate"] - r["ci_low"]) for r in sub]
        hi = [100 * (r["ci_high"] - r["success_rate"]) for r in sub]
        ax.bar(xs, p, color="#4c72b0", alpha=0.85)
        ax.errorbar(xs, p, yerr=[lo, hi], fmt="none", ecolor="k", capsize=3, lw=1)
        ax.set_xticks(list(xs), [r["unit"] for r in sub], rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{OPS.get(op, op)}  ({sub[0]['seeds']} seeds)", fontsize=10)
        ax.set_ylim(0, 105)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].set_ylabel("success rate (%)  ±95% Wilson")
    if title:
        fig.suptitle(title, fontsize=10)
    return save_figure(fig, out, dpi=120)
