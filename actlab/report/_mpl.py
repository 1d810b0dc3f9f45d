"""matplotlib for the report package: the headless Agg backend and the one way a figure is written."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backend_bases import FigureCanvasBase  # noqa: E402

__all__ = ["check_figure_path", "plt", "save_figure"]


def check_figure_path(out: str | Path) -> Path:
    """``out`` as a Path whose suffix matplotlib can write (PNG, SVG, PDF, ...), else a ParameterError naming the
    supported ones; call it before expensive work so a typo does not cost the result."""
    out = Path(out)
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in formats:
        from actlab.core.errors import ParameterError

        raise ParameterError(f"cannot write a figure to {str(out)!r}: unknown format {suffix!r} "
                             f"(supported: {', '.join(sorted(formats))})")
    return out


def save_figure(fig, out: str | Path, dpi: int = 100, tight: bool = True) -> Path:
    """Write ``fig`` to ``out`` (PNG/SVG by suffix), creating the directory, and free it."""
    try:
        out = check_figure_path(out)
    except Exception:
        plt.close(fig)
        raise
    out.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
