"""Run keys follow the code of plugin activations (`implementation_hash`), while built-ins keep their keys."""
import hashlib
import sys

import pytest

import actlab
from actlab.core import plugins
from actlab.core.registry import ACTIVATIONS
from actlab.tasks import codehash
from actlab.tasks.codehash import activation_identity, implementation_hash

BASE = '''
import torch
import actlab
from actlab import ActivationSpec, Param, Source

SHIFT = 0.5


def _gate(x, beta):
    """The gate."""
    return torch.nn.functional.softplus(beta * x + SHIFT)


def unrelated(x):
    return x + 1


def act_a(x, beta=1.0):
    return x * torch.tanh(_gate(x, beta))


def act_b(x):
    return torch.relu(x) - 0.1


for name, fn in (("hash_a", act_a), ("hash_b", act_b)):
    actlab.register(ActivationSpec(name, "smooth", name, Source("test"), fn=fn,
                                   params=(Param("beta", 1.0),) if name == "hash_a" else ()))
'''


@pytest.fixture
def load(tmp_path, monkeypatch):
    """Load a version of the plugin (each version from its own file) and return {name: implementation hash}."""
    monkeypatch.setattr(plugins, "_LOADED", {})
    monkeypatch.setattr(codehash, "_IDENTITIES", {})
    versions = []

    def _load(source):
        f = tmp_path / f"hashplug_{len(versions)}.py"
        f.write_text(source)
        for n in ("hash_a", "hash_b"):
            if n in ACTIVATIONS:
                actlab.unregister(n)
        plugins.load([str(f)])
        versions.append(f)
        return {n: (implementation_hash(actlab.get(n)), activation_identity(n)) for n in ("hash_a", "hash_b")}

    with ACTIVATIONS.scratch():
        yield _load


def test_editing_a_helper_changes_only_the_activation_that_calls_it(load):
    v0 = load(BASE)
    v1 = load(BASE.replace("softplus(beta * x + SHIFT)", "softplus(beta * x + SHIFT) * 1.01"))
    assert v1["hash_a"] != v0["hash_a"] and v1["hash_b"] == v0["hash_b"]


def test_module_constants_the_code_reads_are_part_of_it(load):
    v0 = load(BASE)
    v1 = load(BASE.replace("SHIFT = 0.5", "SHIFT = 0.25"))
    assert v1["hash_a"] != v0["hash_a"] and v1["hash_b"] == v0["hash_b"]


@pytest.mark.parametrize("edit", [
    ("def unrelated(x):\n    return x + 1", "def unrelated(x):\n    return x + 2"),  # not called
    ('"""The gate."""', '"""The gate, documented better."""'),  # docstring
    ("return x * torch.tanh", "# a comment\n    return x * torch.tanh"),  # comment
])
def test_edits_that_do_not_change_the_activation_keep_its_key(load, edit):
    assert load(BASE) == load(BASE.replace(*edit))


def test_without_source_the_bytecode_and_constants_are_hashed():
    def build(k):
        ns = {}
        exec(f"def f(x):\n    return x * {k}\n", ns)  # no file behind it: inspect.getsource fails
        spec = actlab.ActivationSpec("nosrc", "smooth", "x", actlab.Source("t"), fn=ns["f"])
        return implementation_hash(spec)

    assert build(2.0) == build(2.0) and build(2.0) != build(3.0)


def test_builtin_activations_keep_their_spec_only_identity():
    """Built-in run keys are unchanged by code hashing: recomputed here from the spec fields alone."""
    for name in ("relu", "gelu", "smelu", "rational"):
        spec = actlab.get(name)
        try:
            closed = str(spec.expr(symbolic_params=True))
        except Exception:  # noqa: BLE001
            closed = ""
        text = "\0".join([spec.name, repr(sorted(spec.defaults.items())), spec.formula, spec.kind, closed])
        assert activation_identity(name) == hashlib.sha1(text.encode()).hexdigest()[:12]
        assert plugins.origin(name) is None


def test_identity_follows_a_replaced_spec_in_the_same_process(load):
    """register(..., replace=True) in a notebook: the next plan sees the new code, not a cached identity."""
    v0 = load(BASE)
    spec = actlab.get("hash_b")
    ns = dict(vars(sys.modules[spec.fn.__module__]))
    exec("def act_b(x):\n    return torch.relu(x) - 0.2\n", ns)
    actlab.register(actlab.ActivationSpec("hash_b", "smooth", "hash_b", actlab.Source("test"), fn=ns["act_b"]),
                    replace=True)
    assert activation_identity("hash_b") != v0["hash_b"][1]
