"""The static arithmetic task: layout, ranges, targets, thresholds and argument validation."""
import math

import numpy as np
import pytest
import torch

from actlab.arith.task import ArithTask
from actlab.core.errors import ParameterError, UnknownNameError


def test_default_layout_is_the_reference_codes():
    t = ArithTask("add")
    assert (t.input_size, t.subset_size, t.overlap_size, t.span) == (100, 25, 12, 38)
    for seed in range(50):
        s1, s2 = t.subsets(seed)
        assert len(s1) == len(s2) == 25
        assert len(set(s1) & set(s2)) == 12  # overlap relative to the subset size
        assert s1.start == t.offset(seed) and s2.start == s1.start + 13
        assert 0 <= s1.start and s2.stop <= 100


def test_offsets_vary_with_seed_and_cover_the_allowed_range():
    offs = {ArithTask("add").offset(s) for s in range(1000)}
    assert min(offs) == 0 and max(offs) == 62 and len(offs) == 63


def test_samples_lie_in_their_ranges():
    t = ArithTask("mul", interpolation_range=(1, 2), extrapolation_range=[(-6, -2), (2, 6)])
    rng = np.random.default_rng(0)
    x = t.fill(rng, np.empty((2000, 100), np.float32), "interpolation")
    assert x.min() >= 1 and x.max() <= 2 and abs(x.mean() - 1.5) < 0.01
    z = t.fill(rng, np.empty((2000, 100), np.float32), "extrapolation")
    assert ((z >= 2) & (z <= 6) | (z >= -6) & (z <= -2)).all()
    assert abs((z > 0).mean() - 0.5) < 0.01  # union sampled by a fair coin


@pytest.mark.parametrize("op,fn", [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
                                   ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b),
                                   ("square", lambda a, b: a * a), ("sqrt", lambda a, b: math.sqrt(a))])
def test_targets_match_subset_sums(op, fn):
    t = ArithTask(op)
    seeds = [3, 11]
    x = torch.rand(2, 5, 100, dtype=torch.float32) + 1
    y = t.targets(x, t.masks(seeds))
    for i, seed in enumerate(seeds):
        s1, s2 = t.subsets(seed)
        for b in range(5):
            a_, b_ = float(x[i, b, list(s1)].double().sum()), float(x[i, b, list(s2)].double().sum())
            assert y[i, b].item() == pytest.approx(fn(a_, b_), rel=1e-6)


def test_threshold_matches_closed_form_for_add_and_sub():
    # a_ε - a = ε(T - 2a): for + the error is 2ε(R - O) (R: 62 untouched inputs, O: 12 overlap),
    # for − it is -2ε(A1 - B2) (13 inputs each); inputs U[2,6]: mean 4, variance 16/12.
    v = 16 / 12
    add = 4e-10 * ((62 - 12) ** 2 * 16 + (62 + 12) * v)
    sub = 4e-10 * (26 * v)
    assert ArithTask("add").threshold(samples=100_000) == pytest.approx(add, rel=0.02)
    assert ArithTask("sub").threshold(samples=100_000) == pytest.approx(sub, rel=0.03)


def test_mul_threshold_matches_research_notes_value():
    assert ArithTask("mul").threshold(samples=100_000) == pytest.approx(0.160, rel=0.03)


@pytest.mark.parametrize("kwargs,name", [
    (dict(op="sqrt", interpolation_range=(-1, 2)), "interpolation_range"),
    (dict(op="sqrt", extrapolation_range=(-6, -2)), "extrapolation_range"),
    (dict(overlap_ratio=1.5), "overlap_ratio"),
    (dict(overlap_ratio=-0.1), "overlap_ratio"),
    (dict(subset_ratio=0.0), "subset_ratio"),
    (dict(subset_ratio=0.8), "subset_ratio"),
    (dict(input_size=0), "input_size"),
    (dict(interpolation_range=(2, 1)), "interpolation_range"),
    (dict(op="div", extrapolation_range=(-1, 1)), "extrapolation_range"),
])
def test_bad_arguments_raise_naming_the_argument(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        ArithTask(**kwargs)


def test_unknown_op_lists_the_valid_ones():
    with pytest.raises(UnknownNameError) as e:
        ArithTask("mult")
    for op in ("add", "sub", "mul", "div", "square", "sqrt"):
        assert op in str(e.value)
    assert "mul" in e.value.suggestions


def test_simple_task_is_the_reference_simple_layout():
    # reference `--simple`: 4 inputs, S1 = x[0:4], S2 = x[0:2], no random offset, the default ranges
    t = ArithTask.named("simple", "mul")
    assert t.input_size == 4 and t.interpolation_range == ((1.0, 2.0),) and t.extrapolation_range == ((2.0, 6.0),)
    assert all(t.subsets(seed) == (range(0, 4), range(0, 2)) for seed in range(20))
    x = torch.rand(3, 7, 4) + 1
    expect = x.double().sum(-1) * x[..., :2].double().sum(-1)
    torch.testing.assert_close(t.targets(x, t.masks([0, 5, 9])), expect.float())  # per-seed inputs
    torch.testing.assert_close(t.targets(x[0], t.masks([0, 5])), expect[0].float().expand(2, 7))  # shared inputs


def test_simple_task_threshold_matches_first_order_closed_form():
    # ε-solution: h1 = (1-ε)a, h2 = (1-ε)b + ε r with r = x2 + x3, so y - ab ≈ ε a (r - 2b) to first order
    rng = np.random.default_rng(123)
    x = rng.uniform(2, 6, size=(400_000, 4))
    a, b, r = x.sum(1), x[:, :2].sum(1), x[:, 2:].sum(1)
    expect = 1e-10 * float(np.mean(a ** 2 * (r - 2 * b) ** 2))
    assert ArithTask.named("simple", "mul").threshold() == pytest.approx(expect, rel=0.02)


def test_fixed_subsets_are_validated_and_keep_old_keys():
    with pytest.raises(ParameterError, match="fixed_subsets"):
        ArithTask("mul", input_size=4, fixed_subsets=((0, 5), (0, 2)))
    with pytest.raises(ParameterError, match="fixed_subsets"):
        ArithTask("mul", input_size=4, fixed_subsets=((0, 2),))
    with pytest.raises(UnknownNameError) as e:
        ArithTask.named("simpel")
    assert "simple" in str(e.value)
    # runs stored before the option existed are keyed by describe(): it must not change for the ratio layout
    assert "fixed_subsets" not in ArithTask("mul").describe()
    assert ArithTask.named("simple").describe()["fixed_subsets"] == [[0, 4], [0, 2]]
