"""The task fingerprint follows the code: statements count, comments/docstrings/layout do not."""
import textwrap

import actlab.tasks
from actlab.bench.config import resolve_suite
from actlab.bench.runner import plan
from actlab.tasks.codehash import (activation_identity, code_hash, normalized_source, shared_files,
                                   source_hash)

BASE = textwrap.dedent('''
    """Module docstring."""
    import torch


    def build(width=16):
        """Build a thing."""
        # a comment
        return torch.nn.Linear(4, width)
''')


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_comment_docstring_and_layout_edits_keep_the_hash(tmp_path):
    cosmetic = (BASE.replace("# a comment", "# another comment, longer")
                .replace('"""Build a thing."""', '"""Build a different thing.\n\n    More words."""')
                .replace('"""Module docstring."""', "")
                .replace("return torch.nn.Linear(4, width)", "return torch.nn.Linear(  4,\n        width )"))
    assert cosmetic != BASE
    assert normalized_source(cosmetic) == normalized_source(BASE)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    assert source_hash([_write(a, "m.py", BASE)], a) == source_hash([_write(b, "m.py", cosmetic)], b)


def test_a_function_body_edit_changes_the_hash(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for edited in (BASE.replace("Linear(4, width)", "Linear(5, width)"),  # a constant
                   BASE.replace("width=16", "width=32"),  # a default
                   BASE.replace("    return", "    width += 1\n    return")):  # a statement
        assert normalized_source(edited) != normalized_source(BASE)
        assert source_hash([_write(a, "m.py", BASE)], a) != source_hash([_write(b, "m.py", edited)], b)


def test_a_string_that_is_not_a_docstring_counts():
    moved = BASE.replace("    # a comment\n", '    "not a docstring any more"\n')
    assert normalized_source(moved) != normalized_source(BASE)


def test_the_shared_run_code_is_hashed_and_kan_zoo_are_not():
    areas = {f.parent.name for f in shared_files()}
    assert {"tasks", "models", "train"} <= areas
    assert not areas & {"kan", "zoo", "report"}


def test_a_task_defined_outside_the_package_hashes_its_own_module(tmp_path, monkeypatch):
    mod = _write(tmp_path, "mytask_mod.py", "def build(act, info, act_params):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import importlib

    m = importlib.import_module("mytask_mod")
    assert code_hash((m.build,)) == code_hash()  # outside the repository: library code, not hashed
    # inside the repository tree (e.g. a benchmark script), the defining module joins the hash
    from actlab.tasks import codehash

    monkeypatch.setattr(codehash, "PACKAGE", tmp_path / "actlab")
    (tmp_path / "actlab").mkdir()
    assert codehash._own_files((m.build,)) == [mod.resolve()]


def test_activation_identity_separates_definitions():
    ids = {a: activation_identity(a) for a in ("relu", "gelu", "silu")}
    assert len(set(ids.values())) == 3
    assert activation_identity("relu") == ids["relu"]  # stable within a process
    assert activation_identity("not-an-activation") == "not-an-activation"


def test_run_keys_carry_code_and_activation_identity():
    cfg = resolve_suite(None, acts=["relu", "gelu"], tasks=["digits_mlp"], seeds=[0])
    specs = plan(cfg)
    fp = actlab.tasks.get_task("digits_mlp").fingerprint()
    assert all(s.options["task_fingerprint"] == fp for s in specs)
    assert [s.key.endswith(activation_identity(s.act)) for s in specs] == [True, True]
    assert specs[0].options == specs[1].options  # activation identity is not an option (report grouping)
