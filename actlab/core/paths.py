"""Where actlab writes at run time: a user-chosen runs dir, and a cache dir outside the source tree."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$ACTLAB_CACHE`` or the platform cache dir (``$XDG_CACHE_HOME/actlab``, default ``~/.cache/actlab``)."""
    root = os.environ.get("ACTLAB_CACHE")
    if root:
        p = Path(root)
    else:
        p = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "actlab"
    p.mkdir(parents=True, exist_ok=True)
    return p
