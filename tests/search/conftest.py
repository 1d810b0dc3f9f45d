import pytest

# a small grammar used by several tests: big enough to be a real search, small enough for a test budget
SMALL_GRAMMAR = ("unary: x, neg, abs, square, exp, sigmoid, tanh, relu, sin, erf; "
                 "binary: add, mul, sub, max, min; units: 1-2")


@pytest.fixture
def small_space():
    from actlab.search.expression import SwishSpace

    return SwishSpace.from_grammar(SMALL_GRAMMAR)


@pytest.fixture
def small_grammar():
    return SMALL_GRAMMAR


@pytest.fixture(autouse=True)
def _registry_restored():
    """Activations promoted by a test are unregistered after it, so other test files see the zoo as shipped."""
    from actlab.core.registry import ACTIVATIONS

    with ACTIVATIONS.scratch():
        yield
