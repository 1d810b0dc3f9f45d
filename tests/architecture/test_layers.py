"""The layer table of ARCHITECTURE.md ("may import"), read off every module's imports (lazy ones included),
plus its "Never" rules: only `store` opens SQLite, only `bench/backends` imports ray, library code never
imports `cli`."""
from pathlib import Path

import actlab
from tests.architecture.importgraph import Import, all_imports, modules, resolve

ROOT = Path(actlab.__file__).parent

# ARCHITECTURE.md's "may import" column. Every package may also import `core` (the shared base: errors with
# suggestions, the Registry; the conventions require every error to subclass core's ActlabError), and the root
# package `actlab` counts as core: it is core's public face (create, get, names), which also registers the zoo.
MAY_IMPORT: dict[str, set[str]] = {
    "core": set(),
    "zoo": {"core"},
    "learnable": {"core", "zoo"},
    "kan": {"core", "zoo", "learnable"},
    "arith": {"core", "zoo", "store"},
    "models": {"core", "zoo", "learnable", "kan"},
    "tasks": {"models", "core"},
    "train": set(),
    "store": set(),
    "analysis": {"core", "zoo", "models", "train"},
    "search": {"core", "zoo", "tasks", "train", "store", "bench.backends"},
    "bench": {"tasks", "train", "store"},
    "bench.backends": set(),
    "report": {"store", "core"},
}
# Deviations from the table, each with its reason (ARCHITECTURE.md: "a guide, not a cage ... say why").
AGREED: dict[str, dict[str, str]] = {
    "tasks": {"train": "a task's run() is the one training loop applied to its data and model",
              "arith": "the arithmetic tasks wrap the arith benchmark's data (arith_tasks.py)"},
    "analysis": {"tasks": "the information-plane analysis trains on the IB12 task's data (tasks/ib12.py)"},
    "report": {p: "report draws what the numerical packages return (functions return data, report draws)"
               for p in ("analysis", "arith", "bench", "kan", "search", "tasks")},
}
TOP = {"cli", "__main__", "kinds"}  # the command line, and kinds.py (every registry in one place), import all


def package(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "actlab"
    if parts[1:3] == ["bench", "backends"]:
        return "bench.backends"
    return parts[1]


def allowed(src: str, tgt: str) -> bool:
    if src == tgt or src in TOP or src == "actlab":
        return True
    if tgt == "actlab":
        tgt = "core"
    if {src, tgt} == {"bench", "bench.backends"}:  # a package and its own subpackage
        return True
    return tgt == "core" or tgt in MAY_IMPORT.get(src, set()) or tgt in AGREED.get(src, {})


def layer_violations(root: Path) -> list[str]:
    known = modules(root)
    bad = []
    for imp in all_imports(root):
        tgt = resolve(imp.target, known)
        if tgt is not None and not allowed(package(imp.source), package(tgt)):
            bad.append(f"{imp.source}:{imp.line} imports {imp.target} ({package(imp.source)} may import "
                       f"{sorted(MAY_IMPORT.get(package(imp.source), set()) | {'core'})})")
    return bad


def _first(imp: Import) -> str:
    return imp.target.split(".")[0]


def never_violations(root: Path) -> list[str]:
    bad = []
    for imp in all_imports(root):
        pkg = package(imp.source)
        if _first(imp) == "sqlite3" and pkg != "store":
            bad.append(f"{imp.source}:{imp.line} imports sqlite3 (only actlab.store may)")
        if _first(imp) == "ray" and pkg != "bench.backends":
            bad.append(f"{imp.source}:{imp.line} imports ray (only actlab.bench.backends may)")
        if imp.target.startswith("actlab.cli") and pkg not in TOP:
            bad.append(f"{imp.source}:{imp.line} imports {imp.target} (library code never imports cli)")
    return bad


def test_every_import_follows_the_layer_table():
    assert layer_violations(ROOT) == []


def test_only_store_opens_sqlite_only_backends_import_ray_nothing_imports_cli():
    assert never_violations(ROOT) == []


def test_planted_violations_are_found(tmp_path):
    files = {
        "__init__.py": "", "store/__init__.py": "import sqlite3\n", "cli/__init__.py": "",
        "bench/__init__.py": "", "bench/backends/__init__.py": "", "bench/backends/ray.py": "import ray\n",
        "zoo/__init__.py": "from actlab.core import errors\n",
        "core/__init__.py": "", "core/errors.py": "", "kan/__init__.py": "",
        "zoo/bad.py": "def f():\n    from actlab.kan import KAN  # zoo may not import kan, lazily neither\n",
        "models/bad.py": "import sqlite3.dbapi2\nimport ray\n",
        "tasks/bad.py": "from actlab.cli.main import console\n",
    }
    for rel, text in files.items():
        p = tmp_path / "actlab" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    root = tmp_path / "actlab"
    assert [v.split(" (")[0] for v in layer_violations(root)] == [
        "actlab.tasks.bad:1 imports actlab.cli.main.console", "actlab.zoo.bad:2 imports actlab.kan.KAN"]
    assert [v.split(" (")[0] for v in never_violations(root)] == [
        "actlab.models.bad:1 imports sqlite3", "actlab.models.bad:2 imports ray",
        "actlab.tasks.bad:1 imports actlab.cli.main.console"]
