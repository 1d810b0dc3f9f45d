"""Build the API reference (HTML, offline) from the docstrings with pdoc: ``make docs`` → ``docs/api/index.html``.

Every public module of actlab is documented (a package's ``__all__`` would otherwise hide its submodules). The build
fails (exit 1) on any warning pdoc raises — a module that does not import, an annotation naming something that does
not exist — and on a backticked ``actlab.…`` reference in a docstring that resolves to nothing.
"""
from __future__ import annotations

import argparse
import pkgutil
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def modules() -> list[str]:
    """The fewest module specs that make pdoc document ``actlab`` and every module under it whose dotted name has
    no ``_``-prefixed part (a package documents its submodules unless its ``__all__`` leaves them out)."""
    import actlab
    from pdoc.extract import walk_specs

    names = [m.name for m in pkgutil.walk_packages(actlab.__path__, "actlab.")]
    wanted = ["actlab"] + sorted(n for n in names if not any(p.startswith("_") for p in n.split(".")))
    specs: list[str] = []
    covered: set[str] = set()
    for name in wanted:
        if name not in covered:
            specs.append(name)
            covered |= set(walk_specs([name]))
    return specs


# a backticked actlab name that pdoc could not link stays plain code; a linked one is <code><a href=...>
_UNLINKED = re.compile(r"<code>(actlab(?:\.\w+)+)</code>")


def _namedtuple_init(message: str) -> bool:
    """pdoc cannot evaluate the (postponed) annotations of a ``NamedTuple``'s generated ``__init__``: its
    globals are a synthetic namespace, not the module's. The names exist; the class's own fields are linked."""
    import importlib

    m = re.match(r"Error parsing type annotation .* for (\S+)\.(\w+)\.__init__\.", message)
    if m is None:
        return False
    try:
        cls = getattr(importlib.import_module(m.group(1)), m.group(2))
    except (ImportError, AttributeError):
        return False
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def build(out: str | Path, source: bool = True) -> list[str]:
    """Write the reference into ``out``; return the problems found (empty when clean). ``source=False`` leaves
    out the highlighted source of each function (3x faster; the test's choice: the checks do not read it)."""
    import pdoc
    import pdoc.render

    out = Path(out)
    pdoc.render.configure(show_source=source, docformat="google")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*modules(), output_directory=out)
    # "Cannot determine where X.Tensor._is_param is taken from": a torch class aliased into a module
    # (``Tensor = torch.Tensor``) whose members pdoc cannot place; torch's business, not a reference of ours
    problems = [f"pdoc: {w.message}" for w in caught if not issubclass(w.category, DeprecationWarning)
                and not re.match(r"Cannot determine where \S+\.Tensor\.\w+ is taken from", str(w.message))
                and not _namedtuple_init(str(w.message))]
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for ref in sorted(set(_UNLINKED.findall(text))):
            problems.append(f"{page.relative_to(out)}: unresolved reference `{ref}`")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", "--out", default=str(ROOT / "docs" / "api"))
    problems = build(ap.parse_args().out)
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
