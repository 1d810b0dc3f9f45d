"""First contact: actlab runs on its runtime dependencies alone (no test extras), and its wheel is complete.

`make demo` runs before the test extras are ever installed, so an import of a package that only the extras bring
(click via pytest, ray, ...) breaks the README's first command while the test suite stays green. These tests
look at it two ways: statically (every import in actlab/ names a declared dependency) and for real (every module
imports and the CLI answers in a Python whose only third-party packages are the runtime dependencies and what
they require).
"""
from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


RUNTIME = {_norm(Requirement(d).name) for d in PROJECT["dependencies"]}
OPTIONAL = {_norm(Requirement(d).name) for ds in PROJECT.get("optional-dependencies", {}).values() for d in ds}


def _import_sites(tree: ast.Module):
    """(top-level module, line, lazy, guarded) for each absolute import; lazy = inside a function or an
    ``if TYPE_CHECKING:`` block, guarded = inside a ``try`` whose handler catches ImportError."""
    stack = [(tree, ())]
    while stack:
        node, parents = stack.pop()
        stack.extend((child, parents + (node,)) for child in ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        lazy = any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)) or
                   (isinstance(p, ast.If) and "TYPE_CHECKING" in ast.unparse(p.test)) for p in parents)
        guarded = any(isinstance(p, ast.Try) and any(
            h.type is None or {"ImportError", "ModuleNotFoundError", "Exception"} & {
                getattr(n, "id", getattr(n, "attr", None)) for n in ast.walk(h.type)} for h in p.handlers)
            for p in parents)
        for name in names:
            yield name.split(".")[0], node.lineno, lazy, guarded


def undeclared_imports(package_dir: Path, runtime: set[str], optional: set[str]) -> list[str]:
    """Imports in ``package_dir`` of packages that no runtime dependency provides. An optional extra (ray) may be
    imported lazily or under an ImportError guard; anything else must be a runtime dependency."""
    mod2dist = md.packages_distributions()
    skip = set(sys.stdlib_module_names) | {"__future__", package_dir.name}
    out = []
    for path in sorted(package_dir.rglob("*.py")):
        sites = sorted(_import_sites(ast.parse(path.read_text(), str(path))), key=lambda t: t[1])
        for top, line, lazy, guarded in sites:
            if top in skip:
                continue
            dists = {_norm(d) for d in mod2dist.get(top, [top])}
            if dists & runtime or (dists & optional and (lazy or guarded)):
                continue
            why = "an optional extra imported at module level" if dists & optional else "no dependency provides it"
            out.append(f"{path.relative_to(package_dir.parent)}:{line}: import {top} ({why})")
    return out


def test_every_import_in_actlab_is_a_declared_runtime_dependency():
    assert undeclared_imports(ROOT / "actlab", RUNTIME, OPTIONAL) == []


def test_the_import_check_catches_an_undeclared_package(tmp_path):
    # the check above must be able to fail: a lazily imported click (the bug that broke `make demo`), pytest at
    # module level, and ray (an optional extra) at module level are all reported; ray inside a function is not
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a.py").write_text("import pytest\nimport torch\n\ndef f():\n    import click\n    import ray\n")
    (pkg / "b.py").write_text("import ray\ntry:\n    import pandas\nexcept ImportError:\n    pandas = None\n")
    found = undeclared_imports(pkg, RUNTIME, OPTIONAL | {"pandas"})
    assert [f.split(" (")[0] for f in found] == ["pkg/a.py:1: import pytest", "pkg/a.py:5: import click",
                                                 "pkg/b.py:1: import ray"]


def test_runtime_dependencies_are_ranges_not_pins():
    pinned = [d for d in PROJECT["dependencies"] if "==" in d or "===" in d]
    assert pinned == [], "pyproject's runtime dependencies must be compatible ranges; exact versions go to the lock"
    lock = {_norm(line.split("==")[0]) for line in (ROOT / "requirements.lock").read_text().splitlines()
            if "==" in line}
    assert RUNTIME <= lock, f"requirements.lock lacks exact versions for {sorted(RUNTIME - lock)}"


# --- a Python that sees only the runtime dependencies -------------------------------------------------------------

def _runtime_closure() -> dict[str, md.Distribution]:
    """The installed distributions of pyproject's runtime dependencies and everything they require (extras off)."""
    seen: dict[str, md.Distribution] = {}
    stack = list(PROJECT["dependencies"])
    while stack:
        req = Requirement(stack.pop())
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = _norm(req.name)
        if name in seen:
            continue
        try:
            seen[name] = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"runtime dependency {req.name!r} is not installed in this environment")
        stack.extend(seen[name].requires or [])
    return seen


@pytest.fixture(scope="module")
def runtime_site(tmp_path_factory) -> Path:
    """A site directory of symlinks to the runtime closure's files (plus actlab's own metadata, for --version);
    ``python -E -S`` with it and the source tree on sys.path has none of the test extras."""
    site = tmp_path_factory.mktemp("runtime-site")
    for dist in [*_runtime_closure().values(), md.distribution("actlab")]:
        own = _norm(dist.metadata["Name"]) == "actlab"
        for f in dist.files or []:
            top = f.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth") or (own and not top.endswith(".dist-info")):
                continue
            src, dst = Path(dist.locate_file(top)), site / top
            if src.exists() and not dst.exists():
                dst.symlink_to(src)
    assert not any(site.glob("pytest*")) and not any(site.glob("click*")) and not (site / "ray").exists()
    return site


_DRIVER = r"""
import contextlib, importlib, io, json, sys
root, site, calls = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sys.path[:0] = [root, site]
import actlab
from pathlib import Path
failures = []
for path in sorted(Path(actlab.__file__).parent.rglob("*.py")):
    mod = ".".join(path.relative_to(Path(root)).with_suffix("").parts).removesuffix(".__init__")
    if mod != "actlab.__main__":
        try:
            importlib.import_module(mod)
        except Exception as e:
            failures.append(f"{mod}: {type(e).__name__}: {e}")
from actlab.cli.main import main
results = []
for argv in calls:
    out, err, code = io.StringIO(), io.StringIO(), 0
    sys.argv = ["actlab", *argv]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as e:
            code = e.code or 0
        except BaseException as e:
            code = f"{type(e).__name__}: {e}"
    results.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
print(json.dumps({"import_failures": failures, "mods": sorted(sys.modules), "results": results}))
"""


def test_every_module_imports_and_the_cli_answers_without_the_test_extras(runtime_site, tmp_path):
    calls = [["--help"], ["--version"], ["bench", "--backend", "ray", "--db", str(tmp_path / "b.db")]]
    p = subprocess.run([sys.executable, "-E", "-S", "-c", _DRIVER, str(ROOT), str(runtime_site), json.dumps(calls)],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got["import_failures"] == []
    assert "pytest" not in got["mods"] and "ray" not in got["mods"]  # the environment really lacks the extras
    (help_, version, ray) = got["results"]
    assert help_["code"] == 0 and "bench" in help_["out"] and "search" in help_["out"], help_
    assert version["code"] == 0 and version["out"].strip() == f"actlab {md.version('actlab')}", version
    # ray is an optional extra: asking for it says how to install it, with the brackets intact
    assert ray["code"] == 2 and "pip install 'actlab[ray]'" in " ".join(ray["err"].split()), ray


# --- the wheel ------------------------------------------------------------------------------------------------------

def test_wheel_ships_every_module_the_templates_and_py_typed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "actlab", src / "actlab", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                        "--no-index", "-w", str(tmp_path / "dist"), str(src)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("actlab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "actlab"
    expected = {f"actlab/{f.relative_to(package).as_posix()}" for f in package.rglob("*")
                if f.is_file() and (f.suffix == ".py" or "templates" in f.parts) and "__pycache__" not in f.parts}
    assert "actlab/py.typed" in names
    assert any(n.startswith("actlab/report/templates/") for n in expected)
    assert sorted(expected - names) == []
    dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    meta = zipfile.ZipFile(wheel).read(f"{dist_info}/METADATA").decode()
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert requires and not [r for r in requires if "==" in r]
    assert "actlab = actlab.cli.main:main" in zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode()
