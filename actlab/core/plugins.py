"""Plugins: user code (usually activations registered with `actlab.register`) loaded by name before a command runs.

A plugin reference is either a path to a ``.py`` file (``path/to/myacts.py``) or a module importable from the
working directory (``myacts``, ``mypkg.acts``). They come from four places, all handled here:

- ``actlab --import REF`` on the command line (repeatable),
- the ``ACTLAB_PLUGINS`` environment variable (comma-separated references),
- the ``imports:`` list of a suite file,
- the entry-point group ``"actlab.plugins"`` of installed packages (``[project.entry-points."actlab.plugins"]``
  ``myacts = "mypkg.acts"``; an entry point that names a callable is called once after import).

Loading is idempotent per file: a plugin named twice (as a path and as a module) is imported once. A plugin that
fails to import raises `PluginError` naming the file and the error. `loaded` lists what this process loaded, as
`Plugin` records that worker processes (`actlab.bench.backends`) load with `ensure` before running a job, so a
pool worker or a Ray worker knows the same activations as the process that planned the runs.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from actlab.core.errors import ActlabError

ENV = "ACTLAB_PLUGINS"
GROUP = "actlab.plugins"
_MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


class PluginError(ActlabError, ImportError):
    """A plugin that cannot be found or raised while being imported."""


@dataclass(frozen=True)
class Plugin:
    """A resolved plugin reference (picklable, so it travels to worker processes).

    kind: ``file`` (target: absolute path), ``module`` (target: module name, found from ``root``) or
    ``entry_point`` (target: the entry point's value, ``module`` or ``module:attr``).
    """

    ref: str
    kind: Literal["file", "module", "entry_point"]
    target: str
    root: str = ""


_LOADED: dict[str, Plugin] = {}  # identity (file path or module name) -> plugin, in load order


def resolve(ref: str | Plugin, cwd: str | Path | None = None) -> Plugin:
    """Turn ``ref`` into a `Plugin`: a ``.py`` path (relative to ``cwd``) or a dotted module name."""
    if isinstance(ref, Plugin):
        return ref
    if not isinstance(ref, str) or not ref.strip():
        raise PluginError(f"a plugin must be a .py file or a module name, got {ref!r}")
    ref = ref.strip()
    base = Path(cwd) if cwd is not None else Path.cwd()
    if ref.endswith(".py") or "/" in ref or os.sep in ref:
        path = (base / ref).expanduser().resolve()
        if not path.is_file():
            raise PluginError(f"plugin file {ref!r} does not exist (looked for {path})")
        return Plugin(ref, "file", str(path))
    if not _MODULE_NAME.match(ref):
        raise PluginError(f"plugin {ref!r} is neither a .py file nor a module name like 'myacts' or 'pkg.acts'")
    return Plugin(ref, "module", ref, str(base.resolve()))


def from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """The references listed in ``ACTLAB_PLUGINS`` (comma-separated; blanks ignored)."""
    text = (os.environ if environ is None else environ).get(ENV, "")
    return [r.strip() for r in text.split(",") if r.strip()]


def entry_points() -> list[Plugin]:
    """The plugins that installed packages declare in the ``"actlab.plugins"`` entry-point group."""
    from importlib.metadata import entry_points as eps

    return [Plugin(f"{ep.name} (entry point)", "entry_point", ep.value) for ep in eps(group=GROUP)]


def load(refs: Iterable[str | Plugin], cwd: str | Path | None = None) -> list[Plugin]:
    """Import every plugin of ``refs`` not loaded yet (in order); return their `Plugin` records."""
    return [_load_one(resolve(r, cwd)) for r in refs]


def load_all(refs: Iterable[str | Plugin] = (), environ: Mapping[str, str] | None = None) -> list[Plugin]:
    """What the command line does before a command: entry points, then ``ACTLAB_PLUGINS``, then ``refs``."""
    return [_load_one(p) for p in entry_points()] + load([*from_env(environ), *refs])


def ensure(plugins: Iterable[Plugin]) -> None:
    """Load ``plugins`` (records made by another process) unless already loaded here; cheap when they are."""
    for p in plugins:
        _load_one(p)


def loaded() -> tuple[Plugin, ...]:
    """Every plugin this process loaded, in load order (what worker processes must load too)."""
    return tuple(_LOADED.values())


def origin(act: str) -> str | None:
    """The file (else the module name) that registered activation ``act`` when that is not actlab itself (a
    plugin, a script, a notebook); None for built-ins and unknown names."""
    from actlab.core.errors import UnknownNameError
    from actlab.core.catalog import ACTIVATIONS

    try:
        module = ACTIVATIONS.entry(act).module
    except UnknownNameError:
        return None
    if module == "actlab" or module.startswith("actlab."):
        return None
    return getattr(sys.modules.get(module), "__file__", None) or module


def _identity(p: Plugin) -> str:
    if p.kind == "file":
        return p.target
    if p.kind == "module":  # the same file named as a module and as a path is one plugin
        _add_path(p.root)
        try:
            spec = importlib.util.find_spec(p.target)
        except Exception:  # noqa: BLE001 - a broken parent package: the import below reports it properly
            spec = None
        if spec is not None and spec.origin and spec.origin.endswith(".py"):
            return str(Path(spec.origin).resolve())
    return f"{p.kind}:{p.target}"


def _add_path(root: str) -> None:
    """Put ``root`` on ``sys.path`` (front, as ``python -m`` puts the working directory) and leave it there: a
    plugin may import its siblings later."""
    if root and root not in sys.path:
        sys.path.insert(0, root)


def _module_name(path: str) -> str:
    """A stable, collision-free module name for a plugin file (the same in every process, so objects defined
    in the plugin pickle by reference between the parent and its workers)."""
    stem = re.sub(r"\W", "_", Path(path).stem)
    return f"actlab_plugin_{stem}_{hashlib.sha1(path.encode()).hexdigest()[:8]}"


def _load_one(p: Plugin) -> Plugin:
    ident = _identity(p)
    if ident in _LOADED:
        return _LOADED[ident]
    try:
        if p.kind == "file":
            _import_file(p.target)
        elif p.kind == "module":
            _add_path(p.root)
            importlib.import_module(p.target)
        else:
            mod_name, _, attr = p.target.partition(":")
            obj = importlib.import_module(mod_name.strip())
            for part in filter(None, attr.strip().split(".")):
                obj = getattr(obj, part)
            if attr and callable(obj):
                obj()
    except PluginError:
        raise
    except ModuleNotFoundError as e:
        if p.kind == "module" and e.name and p.target.startswith(e.name):
            raise PluginError(f"plugin {p.ref!r}: no module named {e.name!r} (looked in {p.root or 'sys.path'} and "
                              "sys.path; pass a path to a .py file instead)") from None
        raise PluginError(_failure(p, ident, e)) from e
    except BaseException as e:  # noqa: BLE001 - SystemExit, SyntaxError, anything the plugin raises
        if isinstance(e, KeyboardInterrupt):
            raise
        raise PluginError(_failure(p, ident, e)) from e
    _LOADED[ident] = p
    return p


def _import_file(path: str) -> None:
    name = _module_name(path)
    if name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"plugin file {path!r} cannot be imported (not a Python source file?)")
    module = importlib.util.module_from_spec(spec)
    _add_path(str(Path(path).parent))  # as `python file.py` does: the plugin's siblings are importable
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # a half-run plugin must not look loaded
        raise


def _failure(p: Plugin, ident: str, e: BaseException) -> str:
    """"plugin 'x.py' (/abs/x.py) failed to import: NameError: ... (at /abs/x.py:12)"."""
    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    own = [f for f in frames if not f.filename.startswith("<frozen")]
    if isinstance(e, SyntaxError) and e.filename:
        where = f" (at {e.filename}:{e.lineno})"
    elif own:
        f = next((f for f in reversed(own) if f.filename == ident), own[-1])
        where = f" (at {f.filename}:{f.lineno})"
    file = ident if not ident.startswith(("module:", "entry_point:")) else p.target
    msg = e.msg if isinstance(e, SyntaxError) else str(e)
    return f"plugin {p.ref!r} ({file}) failed to import: {type(e).__name__}: {msg}{where}"
