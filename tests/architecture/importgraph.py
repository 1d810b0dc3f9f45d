"""The import graph of a package, read from the syntax tree of every module (no code runs).

Every ``import`` / ``from ... import`` statement counts, wherever it stands: at the top, inside a function
(lazy imports), inside ``try``. An edge goes to the module file that the statement loads: ``from a.b import c``
points at ``a/b/c.py`` when ``c`` is a submodule, else at ``a/b/__init__.py``. Parent packages that Python
initialises on the way are not edges (every module would otherwise depend on ``actlab/__init__.py``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    source: str     # importing module, e.g. "actlab.kan.layer"
    target: str     # imported name as written, absolute, e.g. "actlab.zoo.kernels" or "ray"
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path) -> dict[str, Path]:
    """Module name -> file, for every .py file under the package directory ``root``."""
    return {module_name(root, p): p for p in sorted(root.rglob("*.py"))}


def imports_of(name: str, path: Path, is_package: bool) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [Import(name, a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                pkg = name.split(".") if is_package else name.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            # `from a import b` loads a/b.py when b is a submodule, else a/__init__.py (resolve() decides)
            out += [Import(name, f"{base}.{a.name}" if a.name != "*" else base, node.lineno) for a in node.names]
    return out


def resolve(target: str, known: dict[str, Path]) -> str | None:
    """The module file an imported name loads: the longest known module prefix of ``target``."""
    parts = target.split(".")
    for n in range(len(parts), 0, -1):
        cand = ".".join(parts[:n])
        if cand in known:
            return cand
    return None


def all_imports(root: Path) -> list[Import]:
    known = modules(root)
    return [imp for name, path in known.items() for imp in imports_of(name, path, path.name == "__init__.py")]


def graph(root: Path) -> dict[str, dict[str, int]]:
    """module -> {imported module of the same package: first line}; ``from a import b`` where ``b`` is a
    name inside ``a`` (not a submodule) gives the edge to ``a``."""
    known = modules(root)
    g: dict[str, dict[str, int]] = {m: {} for m in known}
    for imp in all_imports(root):
        tgt = resolve(imp.target, known)
        if tgt is not None and tgt != imp.source:
            g[imp.source].setdefault(tgt, imp.line)
    return g


def cycles(g: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # recursion depth is bounded by the module count (~200)
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def one_cycle(g: dict[str, dict[str, int]], comp: list[str]) -> list[str]:
    """A concrete loop inside the component, for the error message: a -> b -> ... -> a."""
    members = set(comp)
    start = comp[0]
    path, seen = [start], {start}
    while True:
        nxt = next(w for w in sorted(g[path[-1]]) if w in members)
        if nxt in seen:
            return path[path.index(nxt):] + [nxt]
        path.append(nxt)
        seen.add(nxt)
