"""A hash of the code a benchmark run executes, so a task's fingerprint follows its code without a manual bump.

What counts is the *meaning* of the source, not its text: each file is parsed and ``ast.dump``-ed with every
docstring removed, so comments, blank lines, formatting and docstrings leave the hash unchanged while any
edit to a statement, a default or a constant changes it.

Hashed: the shared modules every run goes through (``actlab/tasks``, ``actlab/models``, ``actlab/train``) plus
the modules that define a task's own ``load``/``build``/``loss`` when they live elsewhere (e.g. a task
registered by a benchmark script). Deliberately not hashed: ``actlab/kan``, ``actlab/zoo`` and report code —
activations are identified separately by their spec (see `activation_identity`), and hashing areas under
active development would invalidate every stored run at each unrelated edit.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parents[1]  # .../actlab
SHARED_AREAS = ("tasks", "models", "train")
EXCLUDED_AREAS = ("kan", "zoo", "report")


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    """Drop the leading string-literal statement of every module, class and function body."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                node.body = body[1:] or [ast.Pass()]
    return tree


def normalized_source(source: str) -> str:
    """The source's syntax tree without docstrings, as text (comments and layout are already gone)."""
    return ast.dump(_strip_docstrings(ast.parse(source)), annotate_fields=True, include_attributes=False)


def source_hash(paths: Iterable[str | Path], root: str | Path | None = None) -> str:
    """sha1 over the normalised source of ``paths`` (sorted; each named relative to ``root`` when under it,
    so the same tree hashes the same wherever it is checked out)."""
    h = hashlib.sha1()
    base = Path(root).resolve() if root is not None else None
    for p in sorted(Path(p).resolve() for p in paths):
        name = str(p.relative_to(base)) if base is not None and p.is_relative_to(base) else p.name
        h.update(name.encode() + b"\0" + normalized_source(p.read_text(encoding="utf-8")).encode() + b"\0")
    return h.hexdigest()


def shared_files(package: Path = PACKAGE) -> list[Path]:
    return sorted(f for area in SHARED_AREAS for f in (package / area).rglob("*.py"))


@lru_cache(maxsize=None)
def _cached_hash(paths: tuple[str, ...]) -> str:
    return source_hash(paths, PACKAGE.parent)


def _own_files(fns: Iterable[Callable[..., Any]]) -> list[Path]:
    """Files defining ``fns`` that the shared set does not already cover (excluded areas left out)."""
    out = []
    for fn in fns:
        try:
            f = inspect.getsourcefile(fn)
        except TypeError:  # a builtin or C function has no Python source
            continue
        if not f or not f.endswith(".py"):
            continue
        p = Path(f).resolve()
        if not p.is_relative_to(PACKAGE.parent) or ".venv" in p.parts or "site-packages" in p.parts:
            continue  # library code (torch's loss functions) is not the task's own
        if p.is_relative_to(PACKAGE) and p.relative_to(PACKAGE).parts[0] in (*SHARED_AREAS, *EXCLUDED_AREAS):
            continue
        out.append(p)
    return out


def code_hash(fns: Iterable[Callable[..., Any]] = ()) -> str:
    """Hash of the shared run code plus the modules defining ``fns``; computed once per process per file set."""
    paths = {str(p) for p in shared_files()} | {str(p) for p in _own_files(fns)}
    return _cached_hash(tuple(sorted(paths)))[:12]


def activation_identity(act: str) -> str:
    """What defines an activation in a run key: its spec name, parameter defaults, formula text, kind and
    closed form (sympy), hashed. A spec whose definition changes gets a new identity, so its old runs are not
    counted as done; an activation the registry does not know keeps its name alone."""
    import actlab
    from actlab.core.errors import UnknownNameError

    try:
        spec = actlab.get(act)
    except UnknownNameError:
        return act
    if spec.name not in _IDENTITIES:
        _IDENTITIES[spec.name] = _spec_identity(spec)
    return _IDENTITIES[spec.name]


_IDENTITIES: dict[str, str] = {}  # per process, like the code hash


def _spec_identity(spec: Any) -> str:
    try:
        closed = str(spec.expr(symbolic_params=True))
    except Exception:  # noqa: BLE001 - a spec without a usable closed form is identified by the rest
        closed = ""
    text = "\0".join([spec.name, repr(sorted(spec.defaults.items())), spec.formula, spec.kind, closed])
    return hashlib.sha1(text.encode()).hexdigest()[:12]
