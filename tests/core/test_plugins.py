"""Plugins (`actlab.core.plugins`): files and modules loaded once, failures named, entry points, worker records."""
import subprocess
import sys
import textwrap

import pytest
import torch

import actlab
from actlab.core import plugins
from actlab.core.errors import ActlabError
from actlab.core.registry import ACTIVATIONS

PLUGIN = """
import torch
import actlab
from actlab import ActivationSpec, Source

def {name}(x):
    return x * torch.sigmoid({k} * x)

actlab.register(ActivationSpec({name!r}, "smooth", "x·σ({k}x)", Source("test plugin"), fn={name}))
"""


@pytest.fixture
def clean(monkeypatch):
    """Loaded plugins, registrations and sys.path changes are undone after each test."""
    monkeypatch.setattr(plugins, "_LOADED", {})
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    with ACTIVATIONS.scratch():
        yield
    for m in set(sys.modules) - before:
        if m.startswith(("actlab_plugin_", "plug_")):
            del sys.modules[m]


def write(path, name, k=2.0):
    path.write_text(PLUGIN.format(name=name, k=k))
    return path


def test_a_plugin_file_registers_its_activation_once(tmp_path, clean):
    f = write(tmp_path / "plug_a.py", "plug_a_act")
    (p,) = plugins.load([str(f)])
    x = torch.linspace(-3, 3, 7)
    assert torch.allclose(actlab.functional("plug_a_act")(x), x * torch.sigmoid(2 * x))
    assert p.kind == "file" and p.target == str(f.resolve()) and plugins.loaded() == (p,)
    # the same file again, by a relative path and as a module found from its directory: imported once
    plugins.load(["plug_a.py", "plug_a"], cwd=tmp_path)
    assert len(plugins.loaded()) == 1
    assert plugins.origin("plug_a_act") == str(f.resolve()) and plugins.origin("relu") is None


def test_a_module_is_found_from_the_working_directory(tmp_path, clean, monkeypatch):
    write(tmp_path / "plug_b.py", "plug_b_act")
    monkeypatch.chdir(tmp_path)
    (p,) = plugins.load(["plug_b"])
    assert p.kind == "module" and p.root == str(tmp_path.resolve()) and "plug_b_act" in actlab.names()


@pytest.mark.parametrize("source, needle", [
    ("import torch\nx = 1\nraise RuntimeError('boom')\n", r"RuntimeError: boom \(at .*plug_bad\.py:3\)"),
    ("def f(:\n", r"SyntaxError: .*plug_bad\.py:1"),
    ("import no_such_module_xyz\n", r"ModuleNotFoundError: No module named 'no_such_module_xyz'"),
    ("import actlab\nactlab.register(actlab.get('relu'))\n", r"DuplicateNameError: .*'relu'.*actlab\.zoo"),
])
def test_a_failing_plugin_names_its_file_and_the_error(tmp_path, clean, source, needle):
    f = tmp_path / "plug_bad.py"
    f.write_text(source)
    with pytest.raises(plugins.PluginError, match=rf"plugin .*plug_bad\.py.* failed to import: {needle}") as e:
        plugins.load([str(f)])
    assert isinstance(e.value, ActlabError) and plugins.loaded() == ()
    assert not [m for m in sys.modules if m.startswith("actlab_plugin_plug_bad")]  # not left half-imported


@pytest.mark.parametrize("ref, needle", [
    ("missing_dir/nothere.py", "does not exist"),
    ("no_such_plugin_mod", "no module named 'no_such_plugin_mod'"),
    ("my-acts!", "neither a .py file nor a module name"),
])
def test_unknown_plugins_are_clear_errors(tmp_path, clean, ref, needle):
    with pytest.raises(plugins.PluginError, match=needle):
        plugins.load([ref], cwd=tmp_path)


def test_env_variable_lists_comma_separated_references():
    assert plugins.from_env({"ACTLAB_PLUGINS": " a.py, pkg.mod ,,b "}) == ["a.py", "pkg.mod", "b"]
    assert plugins.from_env({}) == []


def test_entry_points_of_installed_packages_are_loaded(tmp_path, clean, monkeypatch):
    """A distribution on sys.path declaring ``[actlab.plugins]`` (as pip install writes it) is found and loaded;
    an entry point naming a callable is called."""
    (tmp_path / "plug_ep.py").write_text(PLUGIN.format(name="plug_ep_act", k=3.0)
                                         + "\ncalled = []\ndef setup():\n    called.append(1)\n")
    dist = tmp_path / "plug_ep-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: plug-ep\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[actlab.plugins]\nmine = plug_ep:setup\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (p,) = [p for p in plugins.entry_points() if p.target == "plug_ep:setup"]
    assert p.kind == "entry_point"
    plugins.load_all([], environ={})
    assert "plug_ep_act" in actlab.names() and sys.modules["plug_ep"].called == [1]


def test_a_fresh_process_loads_the_plugin_records_it_is_given(tmp_path, clean):
    """What a pool or Ray worker does with each job (`single_thread_call`): load the submitter's records first."""
    f = write(tmp_path / "plug_w.py", "plug_w_act", k=1.5)
    (rec,) = plugins.load([str(f)])
    code = textwrap.dedent(f"""
        import actlab, torch
        from actlab.bench.backends.base import single_thread_call
        from actlab.core.plugins import Plugin
        job = lambda: float(actlab.functional("plug_w_act")(torch.tensor(1.0)))
        print(single_thread_call(job, (), {{}}, (Plugin(**{rec.__dict__!r}),)))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr
    assert abs(float(out.stdout.strip().splitlines()[-1]) - float(torch.sigmoid(torch.tensor(1.5)))) < 1e-6


def test_promoted_search_output_loads_as_a_plugin_file(tmp_path, clean):
    """`actlab search-promote -o found.py` writes a file that --import loads; the spec's origin is that file."""
    f = tmp_path / "found.py"
    f.write_text("from actlab.search import promote\n\nSPEC = promote('x*sigmoid(b0*x)', 'plug_found')\n")
    plugins.load([str(f)])
    x = torch.linspace(-2, 2, 5)
    assert torch.allclose(actlab.functional("plug_found")(x, b0=1.0), x * torch.sigmoid(x))
    assert plugins.origin("plug_found") == str(f.resolve())
