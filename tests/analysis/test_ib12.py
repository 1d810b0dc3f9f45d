"""The regenerated 12-bit task: all patterns, balanced labels, icosahedral symmetry."""
import numpy as np
import pytest

from actlab.analysis.mi import mutual_information
from actlab.tasks.ib12 import icosahedron, icosahedron_rotations, make_ib12, patterns, score


def test_has_every_12_bit_pattern_once():
    x = patterns()
    assert x.shape == (4096, 12)
    assert len({tuple(r) for r in x}) == 4096


def test_labels_are_balanced_near_half():
    d = make_ib12()
    assert abs(d.y.mean() - 0.5) < 0.03
    # I(X;Y) = H(Y) ≈ 1 bit, as in the paper ("≈ 0.99 bits")
    assert mutual_information(np.arange(4096), d.y) == pytest.approx(0.999, abs=0.002)


def test_vertices_form_an_icosahedron():
    v = icosahedron()
    cos = np.round(v @ v.T, 6)
    assert np.allclose(np.linalg.norm(v, axis=1), 1)
    for row in cos:  # each vertex: itself, 5 neighbours, 5 second neighbours, 1 antipode
        vals, counts = np.unique(row, return_counts=True)
        assert sorted(counts.tolist()) == [1, 1, 5, 5]
        assert vals.min() == pytest.approx(-1.0)


def test_score_and_labels_are_invariant_under_the_60_rotations():
    d = make_ib12()
    rots = icosahedron_rotations()
    assert len(rots) == 60 and len({tuple(p) for p in rots}) == 60
    for p in rots:
        assert np.allclose(score(d.X[:, p]), d.f)


def test_score_is_not_invariant_under_a_random_permutation():
    d = make_ib12()
    p = np.random.default_rng(0).permutation(12)
    assert not np.allclose(score(d.X[:, p]), d.f)  # the symmetry test above can fail


def test_label_share_grows_with_bits_on():
    d = make_ib12()
    n = d.X.sum(1)
    share = [d.y[n == k].mean() for k in range(13)]
    assert share[4] == 0 and share[8] == 1 and share[5] < share[6] < share[7]


def test_split_is_disjoint_and_complete():
    tr, te = make_ib12().split(0.8, seed=3)
    assert len(tr) == 3277 and len(np.intersect1d(tr, te)) == 0 and len(tr) + len(te) == 4096
