"""Figure of a trained KAN: one small panel per edge, grouped by layer (pykan's ``plot`` as a grid)."""
from __future__ import annotations

from pathlib import Path

from actlab.report._mpl import plt, save_figure
from torch import Tensor  # noqa: E402

from actlab.kan.curves import edge_curves  # noqa: E402
from actlab.kan.layer import KAN  # noqa: E402


def plot_kan(model: KAN, out: str | Path, x: Tensor | None = None, n: int = 200, dpi: int = 100) -> Path:
    """Draw every edge φ_{l,j,i} of ``model`` to a PNG/SVG at ``out``.

    Layer l is a block of out×in panels (row j = output node, column i = input node). With samples ``x`` each
    curve spans the range its input takes and its opacity follows pykan's tanh(3·attribution score); pruned
    edges are drawn as an empty grey panel, symbolic edges are titled with their function.
    """
    curves = edge_curves(model, x, n)
    widths = [c.values.shape[2] for c in curves]
    heights = [c.values.shape[1] for c in curves]
    cell = 1.1
    fig = plt.figure(figsize=(max(3.0, cell * sum(widths) + 0.6 * len(curves)), max(2.0, cell * max(heights) + 0.6)))
    subfigs = fig.subfigures(1, len(curves), width_ratios=[w + 0.5 for w in widths], squeeze=False)[0]
    for l, (sf, c) in enumerate(zip(subfigs, curves)):
        n_out, n_in = c.values.shape[1], c.values.shape[2]
        axes = sf.subplots(n_out, n_in, squeeze=False)
        sf.suptitle(f"layer {l}: {n_in} → {n_out}", fontsize=8)
        for j in range(n_out):
            for i in range(n_in):
                ax = axes[j, i]
                ax.set_box_aspect(0.8)  # square-ish panels whatever the layer's shape
                ax.set_xticks([])
                ax.set_yticks([])
                if c.mask[j, i] == 0:
                    ax.set_facecolor("0.93")
                    continue
                sym = c.symbolic.get((j, i))
                ax.plot(c.u[:, i].numpy(), c.values[:, j, i].numpy(), color="tab:red" if sym else "black",
                        lw=1.2, alpha=float(max(c.score[j, i], 0.05)))
                ax.set_title(sym or f"{i}→{j}", fontsize=6, pad=1)
    return save_figure(fig, out, dpi=dpi, tight=False)
