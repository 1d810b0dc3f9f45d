"""The API reference builds offline from the docstrings (`make docs`), with no warning and no dangling reference,
and the public entry points document every keyword they take."""
import importlib.util
import inspect
from pathlib import Path

import pytest

import actlab

ROOT = Path(__file__).resolve().parents[1]


def _builder():
    spec = importlib.util.spec_from_file_location("build_api", ROOT / "docs" / "build_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_api_reference_builds_without_warnings_or_unresolved_references(tmp_path):
    pytest.importorskip("pdoc", reason="pdoc is in the test extras: pip install -e '.[test]'")
    problems = _builder().build(tmp_path, source=False)
    assert problems == []
    assert (tmp_path / "index.html").is_file()
    page = (tmp_path / "actlab" / "core" / "plugins.html").read_text()
    assert "PluginError" in page and "ACTLAB_PLUGINS" in page
    # the check itself: an unresolvable backticked actlab name is reported
    linked = '<code><a href="core/plugins.html#load">actlab.core.plugins.load</a></code>'
    assert _builder()._UNLINKED.findall(f"<p><code>actlab.no_such_thing</code> {linked}</p>") == \
        ["actlab.no_such_thing"]


@pytest.mark.parametrize("fn, keywords", [
    (actlab.create, ["inplace", "learnable", "backend", "num_parameters", "channel_dim", "dim"]),
    (actlab.swap, ["example", "channel_dim", "learnable", "backend", "num_parameters", "dim", "inplace"]),
    (actlab.functional, ["inplace", "dim", "training"]),
    (actlab.register, ["replace"]),
])
def test_public_entry_points_document_every_keyword(fn, keywords):
    doc = inspect.getdoc(fn)
    missing = [k for k in keywords if f"{k}=" not in doc and f"{k}:" not in doc]
    assert missing == []
    # and every named parameter of the signature is among them
    named = [p for p, v in inspect.signature(fn).parameters.items() if v.kind is not v.VAR_KEYWORD]
    assert [p for p in named if f"{p}=" not in doc and f"{p}:" not in doc and p not in ("act", "model", "old",
                                                                                         "new", "name", "spec")] == []
