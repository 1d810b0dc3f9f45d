"""The Swish-style expression space: genomes, canonical forms, functional dedup, mutation, grammar errors."""
import random

import pytest
import torch

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.expression import BINARY, UNARY, SwishSpace


def test_paper_primitive_sets_have_25_unary_and_10_binary_functions():
    assert len(UNARY) == 25 and len(BINARY) == 10


def test_equivalent_genomes_share_a_fingerprint_and_canonical_form():
    s = SwishSpace()
    a = [["mul", "x", "sigmoid", 0, 0]]      # x · σ(x)
    b = [["sigmul", "x", "x", 0, 0]]         # σ(x1) · x2 with both inputs x
    c = [["mul", "sigmoid", "x", 0, 0]]      # commuted
    assert s.canonical(a) == s.canonical(b) == s.canonical(c) == "x*sigmoid(x)"
    assert s.fingerprint(a) == s.fingerprint(b) == s.fingerprint(c)
    m1 = [["max", "x", "tanh", 0, 0]]
    m2 = [["max", "tanh", "x", 0, 0]]
    assert s.fingerprint(m1) == s.fingerprint(m2)


def test_trainable_beta_keeps_x_sigmoid_beta_x_distinct_from_silu():
    s = SwishSpace()
    assert s.fingerprint([["mul", "x", "sigmoid", 0, 0]]) != \
        s.fingerprint([["mul", "x", "sigmoid", 0, 0], ["mul", "x", "x", 0, 0]])
    swish_beta = [["sigmul", "scale", "x", 0, 0]]  # σ(βx)·x
    assert s.canonical(swish_beta) == "x*sigmoid(b0*x)"
    assert s.fingerprint(swish_beta) != s.fingerprint([["sigmul", "x", "x", 0, 0]])


def test_enumeration_of_one_unit_collapses_duplicates():
    s = SwishSpace()
    genomes = list(s.enumerate())
    assert len(genomes) == 25 * 25 * 10
    small = SwishSpace(unary=["x", "neg", "abs"], binary=["add", "mul", "max"])
    keys = {small.fingerprint(g) for g in small.enumerate()}
    # x+x, x*x ... : 27 raw genomes; commutativity alone removes (u1,u2)/(u2,u1) pairs: at most 3*6 = 18 classes
    assert len(keys) <= 18
    forms = {small.canonical(g) for g in small.enumerate()}
    assert "2*x" in forms and "x**2" in forms and "Abs(x)" in forms


def test_built_module_computes_the_canonical_expression():
    s = SwishSpace()
    g = [["max", "x", "sigmoid", 0, 0]]
    x = torch.linspace(-4, 4, 81)
    torch.testing.assert_close(s.build(g)(x), torch.maximum(x, torch.sigmoid(x)))


def test_mutation_is_valid_and_reproducible_from_the_rng():
    s = SwishSpace()
    g = s.random(random.Random(3))
    kids1 = [s.mutate(g, random.Random(k)) for k in range(30)]
    kids2 = [s.mutate(g, random.Random(k)) for k in range(30)]
    assert kids1 == kids2
    assert all(s.check(k) == k for k in kids1)
    assert sum(k != g for k in kids1) >= 25  # a mutation almost always edits the tree
    assert all(1 <= len(k) <= 2 for k in kids1)


def test_unknown_primitive_in_space_or_genome_is_named():
    with pytest.raises(UnknownNameError, match="swoosh"):
        SwishSpace(unary=["x", "swoosh"])
    with pytest.raises(UnknownNameError, match="xor"):
        SwishSpace().check([["xor", "x", "x", 0, 0]])
    with pytest.raises(ConfigError, match="input"):
        SwishSpace().check([["add", "x", "x", 0, 3]])


def test_grammar_text_builds_the_space_and_bad_grammar_is_named():
    s = SwishSpace.from_grammar("unary: x, tanh; binary: add, max; units: 1-2")
    assert s.unary == ["x", "tanh"] and s.binary == ["add", "max"] and s.max_units == 2
    with pytest.raises(UnknownNameError, match="'swoosh'"):
        SwishSpace.from_grammar("unary: x, swoosh; binary: add")
    with pytest.raises(ConfigError, match="malformed grammar line"):
        SwishSpace.from_grammar("unary x tanh")
    with pytest.raises(UnknownNameError, match="grammar key 'ternary'"):
        SwishSpace.from_grammar("ternary: add")
    with pytest.raises(ConfigError, match="units"):
        SwishSpace.from_grammar("unary: x; binary: add; units: one")
