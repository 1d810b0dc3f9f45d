"""matplotlib for the report package: the headless Agg backend and the one way a figure is written."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["plt", "save_figure"]


def save_figure(fig, out: str | Path, dpi: int = 100, tight: bool = True) -> Path:
    """Write ``fig`` to ``out`` (PNG/SVG by suffix), creating the directory, and free it."""
    out = Path(out)
    formats = fig.canvas.get_supported_filetypes()
    suffix = out.suffix.lower().lstrip(".")
    if suffix not in formats:
        plt.close(fig)
        from actlab.core.errors import ParameterError

        raise ParameterError(f"cannot write a figure to {str(out)!r}: unknown format {suffix!r} "
                             f"(supported: {', '.join(sorted(formats))})")
    out.parent.mkdir(parents=True, exist_ok=True)
    if tight:
        fig.tight_layout()
    fig.savefig(out, dpi=dpi)
    plt.close(fig)
    return out
