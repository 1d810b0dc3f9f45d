"""No import circles between files, and `core` imports nothing above it (ARCHITECTURE.md, "Never")."""
from pathlib import Path

import actlab
from tests.architecture.importgraph import all_imports, cycles, graph, modules, one_cycle, resolve

ROOT = Path(actlab.__file__).parent


def circles(root: Path) -> list[str]:
    g = graph(root)
    return [" -> ".join(one_cycle(g, comp)) for comp in cycles(g)]


def core_upward_imports(root: Path) -> list[str]:
    """Imports from actlab.core into any other actlab package (the root ``actlab`` too: it imports the zoo)."""
    known = modules(root)
    bad = []
    for imp in all_imports(root):
        tgt = resolve(imp.target, known)
        if imp.source.startswith("actlab.core") and tgt is not None and not tgt.startswith("actlab.core"):
            bad.append(f"{imp.source}:{imp.line} imports {imp.target}")
    return bad


def test_no_import_circle_between_files_lazy_imports_included():
    assert circles(ROOT) == []


def test_core_imports_no_higher_package():
    assert core_upward_imports(ROOT) == []


def _plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / "actlab" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path / "actlab"


def test_a_planted_lazy_circle_is_found(tmp_path):
    root = _plant(tmp_path, {
        "__init__.py": "", "kan/__init__.py": "from actlab.kan import a  # registers\n",
        "kan/a.py": "from actlab.kan.b import f\n",
        "kan/b.py": "def f():\n    from actlab.kan import a  # lazy: still a circle a -> b -> a\n",
        "kan/c.py": "from . import b\n",  # relative imports resolve too (c -> b, no circle)
    })
    assert circles(root) == ["actlab.kan.a -> actlab.kan.b -> actlab.kan.a"]
    assert "actlab.kan.b" in graph(root)["actlab.kan.c"]


def test_a_planted_upward_import_from_core_is_found(tmp_path):
    root = _plant(tmp_path, {
        "__init__.py": "", "core/__init__.py": "", "zoo/__init__.py": "", "zoo/kernels.py": "",
        "core/module.py": "def f():\n    from actlab.zoo.kernels import compiled\n",
        "core/ok.py": "from actlab.core import module\n",
    })
    assert core_upward_imports(root) == ["actlab.core.module:2 imports actlab.zoo.kernels.compiled"]
