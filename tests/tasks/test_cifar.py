"""CIFAR-10 from a folder: official layout and flat files, Python 2 / Python 3 pickles with str or bytes keys,
structure checks, a crafted pickle refused without running it, and a ViT that learns separable classes."""
from __future__ import annotations

import math
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from actlab.tasks import get_task
from actlab.tasks.data_cifar import DataError, cifar10_arrays, load_cifar10_data, resolve_dir, safe_load

sys.path.insert(0, str(Path(__file__).parent))
from cifar_files import Exploit, dumps, write_cifar, write_cifar100  # noqa: E402


@pytest.mark.parametrize("flavour", ["py3", "py3_bytes", "py2"])
@pytest.mark.parametrize("subdir", [True, False])
def test_every_pickle_flavour_loads_what_plain_pickle_loads(tmp_path, flavour, subdir):
    write_cifar(tmp_path, n_train=40, n_test=20, batches=2, flavour=flavour, subdir=subdir)
    d = resolve_dir(tmp_path)
    xtr, ytr, xte, yte = cifar10_arrays(str(d))
    ref = [pickle.loads((d / f).read_bytes(), encoding="latin1") for f in ("data_batch_1", "data_batch_2")]
    key = (lambda k: k.encode()) if flavour == "py3_bytes" else (lambda k: k)
    np.testing.assert_array_equal(xtr.reshape(40, 3072), np.concatenate([r[key("data")] for r in ref]))
    np.testing.assert_array_equal(ytr, np.concatenate([r[key("labels")] for r in ref]))
    assert xte.shape == (20, 3, 32, 32) and xtr.dtype == np.uint8 and yte.dtype == np.int64
    ds = load_cifar10_data(str(tmp_path))
    assert ds.train[0].shape[1:] == (3, 32, 32) and len(ds.train[0]) + len(ds.val[0]) == 40
    assert ds.test[0].shape == (20, 3, 32, 32)


def test_a_crafted_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    bad = tmp_path / "evil"
    bad.write_bytes(pickle.dumps(Exploit(marker), protocol=2))
    assert not marker.exists()
    with pytest.raises(DataError, match="refused global .*system"):
        safe_load(bad)
    assert not marker.exists()
    # the same payload loaded by plain pickle would run (proof that the test's exploit is real)
    pickle.loads(bad.read_bytes())
    assert marker.exists()


def test_cli_refuses_a_malicious_batch_with_exit_2_before_any_run(tmp_path):
    from actlab.cli.main import app

    write_cifar(tmp_path, n_train=40, n_test=20)
    marker = tmp_path / "pwned"
    (tmp_path / "cifar-10-batches-py" / "data_batch_2").write_bytes(pickle.dumps(Exploit(marker), protocol=2))
    db = tmp_path / "b.db"
    r = CliRunner().invoke(app, ["bench", "--tasks", "cifar10_vit", "--acts", "relu", "--seeds", "1",
                                 "--data-dir", str(tmp_path), "--db", str(db)])
    assert r.exit_code != 0 and isinstance(r.exception, DataError)
    assert "data_batch_2" in str(r.exception) and "nothing in it was executed" in str(r.exception)
    assert not marker.exists() and not db.exists()


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d.pop("labels"), "needs keys 'data' and 'labels'"),
    (lambda d: d.__setitem__("data", d["data"][:, :100]), r"shape \(N, 3072\)"),
    (lambda d: d.__setitem__("data", d["data"].astype(np.float32)), "uint8"),
    (lambda d: d.__setitem__("labels", [12] * len(d["labels"])), r"0\.\.9"),
    (lambda d: d.__setitem__("labels", d["labels"][:-1]), "one per image"),
])
def test_malformed_batches_name_what_is_wrong(tmp_path, mutate, needle):
    write_cifar(tmp_path, n_train=40, n_test=20, batches=1)
    f = tmp_path / "cifar-10-batches-py" / "test_batch"
    d = pickle.loads(f.read_bytes())
    mutate(d)
    f.write_bytes(dumps(d, "py3"))
    with pytest.raises(DataError, match=needle):
        cifar10_arrays(str(resolve_dir(tmp_path)))


def test_missing_folder_and_files_name_the_path_and_layout(tmp_path, monkeypatch):
    from actlab.cli.main import main

    monkeypatch.delenv("ACTLAB_DATA", raising=False)
    with pytest.raises(DataError, match="--data-dir DIR"):
        resolve_dir(None)
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DataError, match=r"lacks data_batch_1\.\.data_batch_5, test_batch; expected layout"):
        cifar10_arrays(str(resolve_dir(tmp_path)))
    monkeypatch.setattr(sys, "argv", ["actlab", "bench", "--tasks", "cifar10_kat", "--acts", "relu",
                                      "--data-dir", str(tmp_path / "nope"), "--db", str(tmp_path / "x.db")])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2


def test_env_variable_points_at_the_folder(tmp_path, monkeypatch):
    from actlab.tasks.runopts import run_overrides

    write_cifar(tmp_path, n_train=40, n_test=20)
    monkeypatch.setenv("ACTLAB_DATA", str(tmp_path))
    assert run_overrides(get_task("cifar10_vit")) == {"data_dir": str(tmp_path.resolve())}
    assert run_overrides(get_task("digits_vit")) == {}
    assert load_cifar10_data(None).info["source"].endswith("cifar-10-batches-py")


def test_vit_learns_separable_cifar_format_classes_well_above_chance(tmp_path):
    write_cifar(tmp_path, n_train=300, n_test=100, batches=2, flavour="py2")
    rec = get_task("cifar10_vit").run("relu", 0, data_dir=str(tmp_path), epochs=4, batch_size=32, lr=3e-3,
                                      dim=32, hidden=64, depth=1, patch=8)
    assert rec["value"] > 0.6, rec["value"]   # chance: 0.1


@pytest.mark.parametrize("name", ["cifar10_activator", "cifar10_kat"])
def test_every_cifar_family_trains_from_the_folder(tmp_path, name):
    write_cifar(tmp_path, n_train=60, n_test=20, batches=1)
    rec = get_task(name).run("silu", 0, data_dir=str(tmp_path), epochs=1, max_steps=2, batch_size=16)
    assert math.isfinite(rec["value"]) and rec["flops"] > 0 and rec["data_kw"]["data_dir"] == str(tmp_path)


def test_cifar100_reads_fine_labels_from_its_own_layout(tmp_path):
    from actlab.tasks.data_cifar import CIFAR100, cifar_arrays, load_cifar100_data

    write_cifar100(tmp_path, n_train=200, n_test=50)
    d = resolve_dir(tmp_path, CIFAR100)
    assert d.name == "cifar-100-python"
    ref = pickle.loads((d / "train").read_bytes())
    xtr, ytr, xte, _ = cifar_arrays(str(d), CIFAR100)
    np.testing.assert_array_equal(ytr, ref["fine_labels"])
    np.testing.assert_array_equal(xtr.reshape(200, 3072), ref["data"])
    assert ytr.max() > 9 and xte.shape == (50, 3, 32, 32)
    assert load_cifar100_data(str(tmp_path)).info["n_classes"] == 100
    with pytest.raises(DataError, match=r"cifar-100-python/\{train, test\}"):
        cifar_arrays(str(tmp_path / "cifar-100-python" / "nope"), CIFAR100)
    rec = get_task("cifar100_vit").run("relu", 0, data_dir=str(tmp_path), epochs=1, max_steps=2, batch_size=16)
    assert math.isfinite(rec["value"]) and rec["params"] > 0
