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
import re
import sys
import textwrap
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
    closed form (sympy), hashed, plus — for activations defined outside the actlab package (plugins, scripts,
    notebooks) — the hash of their implementation (`implementation_hash`). A spec whose definition or code
    changes gets a new identity, so its old runs are not counted as done; an activation the registry does not
    know keeps its name alone.

    Built-in activations are identified by their spec only, so their run keys stay what they were: their code
    ships with the package (a release, not an edit, changes it; their values are pinned by tests against torch
    natives and closed forms), and refactoring the zoo must not re-run every stored benchmark. ``actlab bench
    --rerun`` re-runs them on request."""
    import actlab
    from actlab.core.errors import UnknownNameError

    try:
        spec = actlab.get(act)
    except UnknownNameError:
        return act
    cached = _IDENTITIES.get(spec.name)
    if cached is None or cached[0] is not spec:  # a spec replaced in this process is identified afresh
        cached = _IDENTITIES[spec.name] = (spec, _spec_identity(spec))
    return cached[1]


_IDENTITIES: dict[str, tuple[Any, str]] = {}  # per process, like the code hash


def _spec_identity(spec: Any) -> str:
    from actlab.core.plugins import origin as plugin_origin

    try:
        closed = str(spec.expr(symbolic_params=True))
    except Exception:  # noqa: BLE001 - a spec without a usable closed form is identified by the rest
        closed = ""
    text = "\0".join([spec.name, repr(sorted(spec.defaults.items())), spec.formula, spec.kind, closed])
    code = None if plugin_origin(spec.name) is None else implementation_hash(spec)
    if code:
        text += "\0code:" + code
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def implementation_hash(spec: Any) -> str | None:
    """Hash of the code of ``spec.fn``, ``spec.module`` and ``spec.inplace_fn`` and of the functions, classes and
    plain constants they use from their own module, or None when all of them live in the actlab package.

    Source text is hashed through `normalized_source` (comments, layout and docstrings do not count); where no
    source is available (a function built with ``exec``, a stripped install) the bytecode, constants and names
    are hashed instead. Helpers from other modules (torch, numpy) are not followed: their version is not the
    activation's definition."""
    roots = [f for f in (spec.fn, spec.module, spec.inplace_fn) if f is not None]
    parts: list[str] = []
    seen: set[int] = set()
    for root in roots:
        obj, bound = _unwrap(root)
        if _in_package(obj):
            continue
        parts.append(bound)
        _collect(obj, getattr(obj, "__module__", None), parts, seen)
    if not parts:
        return None
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]


def _unwrap(obj: Any) -> tuple[Any, str]:
    """The function under ``functools.partial`` layers, and the partial's bound arguments as text."""
    import functools

    bound = []
    while isinstance(obj, functools.partial):
        bound.append(_stable_repr((obj.args, sorted(obj.keywords.items()))))
        obj = obj.func
    return obj, "|".join(bound)


def _stable_repr(value: Any) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))  # memory addresses differ between runs


def _in_package(obj: Any) -> bool:
    mod = getattr(obj, "__module__", None) or ""
    return mod == "actlab" or mod.startswith("actlab.")


def _collect(obj: Any, module: str | None, parts: list[str], seen: set[int]) -> None:
    """Append the code of ``obj`` and, recursively, of what it uses from ``module``."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    try:
        parts.append(normalized_source(textwrap.dedent(inspect.getsource(obj))))
    except (OSError, TypeError, SyntaxError, IndentationError):  # no source: code objects, else the name
        code = getattr(obj, "__code__", None)
        parts.append(_code_text(code) if code is not None else f"{module}.{getattr(obj, '__qualname__', obj)}")
    if module is None:
        return
    mod = sys.modules.get(module)
    namespace = getattr(obj, "__globals__", None) or (vars(mod) if mod is not None else {})
    codes = [obj.__code__] if hasattr(obj, "__code__") else \
        [v.__code__ for v in vars(obj).values() if hasattr(v, "__code__")] if isinstance(obj, type) else []
    closure = [c.cell_contents for c in (getattr(obj, "__closure__", None) or ()) if _filled(c)]
    for name in sorted({n for c in codes for n in _names(c)}):
        if name in namespace:
            _use(namespace[name], name, module, parts, seen)
    for value in closure:
        _use(value, "<closure>", module, parts, seen)


def _use(value: Any, name: str, module: str, parts: list[str], seen: set[int]) -> None:
    if isinstance(value, (bool, int, float, complex, str, bytes, tuple, frozenset)) and \
            not isinstance(value, type):
        parts.append(f"{name}={_stable_repr(value)}")
    elif (inspect.isfunction(value) or inspect.isclass(value)) and getattr(value, "__module__", None) == module:
        _collect(value, module, parts, seen)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True


def _names(code: Any) -> set[str]:
    """Global names a code object (and the functions, lambdas and comprehensions nested in it) refers to."""
    out = set(code.co_names)
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            out |= _names(c)
    return out


def _code_text(code: Any) -> str:
    consts = [_code_text(c) if hasattr(c, "co_code") else _stable_repr(c) for c in code.co_consts]
    return f"{code.co_code.hex()}|{consts}|{code.co_names}"
