"""Figures of activation curves and derivatives, drawn from the specs."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actlab.report._mpl import plt, save_figure

from actlab.core.curve import curve  # noqa: E402


def plot_curves(names: Sequence[str], out: str | Path, derivative: bool = False,
                lo: float | None = None, hi: float | None = None, small: bool = False) -> Path:
    """Draw f (and f′ in a second panel) for each name on one figure; write PNG/SVG to ``out``."""
    ncols = 2 if derivative else 1
    size = (2.2 * ncols, 1.6) if small else (5 * ncols, 3.6)
    fig, axes = plt.subplots(1, ncols, figsize=size, squeeze=False)
    for name in names:
        x, y, dy = curve(name, lo, hi)
        axes[0, 0].plot(x, y, label=name, lw=1.6)
        if derivative:
            axes[0, 1].plot(x, dy, label=name, lw=1.6)
    axes[0, 0].set_title("f(x)", fontsize=8 if small else 11)
    if derivative:
        axes[0, 1].set_title("f′(x)", fontsize=8 if small else 11)
    for ax in axes[0]:
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.grid(alpha=0.3)
        if small:
            ax.tick_params(labelsize=6)
    if not small:
        axes[0, 0].legend(fontsize=8)
    return save_figure(fig, out, dpi=70 if small else 120)
