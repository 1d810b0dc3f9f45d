"""Write one benchmark's figures into its own block of BENCHMARKS.md / FIDELITY.md, leaving the rest alone."""
from __future__ import annotations

from pathlib import Path

STUBS = ("_not measured yet_", "_not run yet_")


def write_block(path: Path, key: str, body: str, heading: str) -> None:
    """Replace ``<!-- key:begin --> … <!-- key:end -->`` in ``path`` with ``body``.

    Without those markers yet, the block goes right under ``heading`` (a placeholder stub there is dropped).
    The file is re-read right before writing, since several scripts share it.
    """
    begin, end = f"<!-- {key}:begin -->", f"<!-- {key}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8")
    if begin in text and end in text:
        i, j = text.index(begin), text.index(end) + len(end)
        text = text[:i] + block + text[j:]
    else:
        i = text.index(heading) + len(heading)
        rest = text[i:]
        for stub in STUBS:
            if rest.lstrip("\n").startswith(stub):
                rest = rest.lstrip("\n")[len(stub):]
                break
        text = text[:i] + "\n\n" + block + "\n" + rest
    path.write_text(text, encoding="utf-8")
