"""Adding a KAN basis, a search space, a task or an arithmetic model is one file plus its tests.

Each plugin below is written to its own file, imported (which registers it through the package's public call),
used through the ordinary entry points (KANLayer, run_search, get_task().run, ArithNet), checked against an
independent computation, and unregistered again. No other file of actlab is touched.
"""
import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from actlab.arith import ARITH_MODELS, ArithNet, unit_names
from actlab.kan import BASES, KANLayer, basis_names
from actlab.search import SPACES, run_search, space_names
from actlab.tasks import TASKS, get_task, names


def load_plugin(tmp_path: Path, name: str, source: str):
    """Import ``source`` as module ``name`` from its own file (as a third-party plugin would be)."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def plugin(tmp_path):
    loaded = []

    def load(name, source):
        loaded.append(name)
        return load_plugin(tmp_path, name, source)

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


KAN_BASIS = '''
    import torch
    from actlab.kan.basis import Basis, register_basis

    @register_basis("test_monomial", aliases=("test_powers",), small={"degree": 2})
    class MonomialBasis(Basis):
        """x^0 .. x^degree of each input. Shape: (B, in) -> (B, in, degree+1)."""

        def __init__(self, in_features, degree=3):
            super().__init__(in_features)
            self.degree, self.num_features = degree, degree + 1

        def features(self, u):
            return torch.stack([u ** d for d in range(self.degree + 1)], dim=-1)
'''


def test_a_kan_basis_is_one_file(plugin):
    plugin("actlab_test_basis_plugin", KAN_BASIS)
    try:
        entry = BASES.entry("Test-Powers")
        assert entry.module == "actlab_test_basis_plugin" and "test_monomial" in basis_names()
        assert entry.meta["params"] == {"degree": 3} and not entry.meta["grid"] and not entry.meta["adaptive"]
        layer = KANLayer(2, 3, basis="test_powers", **entry.meta["small"]).double()
        x = torch.randn(5, 2, dtype=torch.float64)
        # each edge is a quadratic c0 + c1·x + c2·x² (no base branch by default, no bias)
        ref = sum(layer.coef[:, i, d] * x[:, i:i + 1] ** d for i in range(2) for d in range(3))
        torch.testing.assert_close(layer(x), ref)
    finally:
        BASES.remove("test_monomial")
    assert "test_monomial" not in basis_names()


SEARCH_SPACE = '''
    from torch import nn
    from actlab.search.space import Space, fingerprint_outputs, register_space

    SLOPES = (0.3, 0.0, 0.1)

    class Leaky(nn.Module):
        def __init__(self, slope):
            super().__init__()
            self.slope = slope

        def forward(self, x):
            return nn.functional.leaky_relu(x, self.slope)

    @register_space
    class LeakySlopes(Space):
        """max(x, a·x) for a few slopes a; the genome is the slope's index."""

        name = "test_leaky_slopes"

        def settings(self):
            return {}

        def random(self, rng):
            return rng.randrange(len(SLOPES))

        def mutate(self, genome, rng):
            return (genome + 1) % len(SLOPES)

        def enumerate(self):
            return iter(range(len(SLOPES)))

        def canonical(self, genome):
            return f"leaky_relu(x, {SLOPES[genome]})"

        def fingerprint(self, genome):
            return f"slope={SLOPES[genome]}"

        def build(self, genome):
            return Leaky(SLOPES[genome])
'''


def test_a_search_space_is_one_file(plugin):
    plugin("actlab_test_space_plugin", SEARCH_SPACE)
    try:
        assert "test_leaky_slopes" in space_names() and SPACES.meta("test_leaky_slopes")["enumerable"]
        res = run_search("test_leaky_slopes", "exhaustive", "target:relu", budget=3, seed=0)
        best = res.top(1)[0]
        assert best["canonical"] == "leaky_relu(x, 0.0)" and best["value"] == pytest.approx(0.0, abs=1e-12)
    finally:
        SPACES.remove("test_leaky_slopes")
    assert "test_leaky_slopes" not in space_names()


TASK = '''
    import torch
    from torch import nn
    from actlab.tasks.base import Dataset, Task
    from actlab.tasks.metrics import mse_loss
    from actlab.tasks.registry import register_task

    def load_line(n=256):
        g = torch.Generator().manual_seed(0)
        xs = [torch.rand(n, 1, generator=g) * 2 - 1 for _ in range(3)]
        return Dataset(*[(x, 2 * x[:, 0] + 1) for x in xs], info={"in_features": 1})

    class Line(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def forward(self, x):
            return self.lin(x)[:, 0]

    def build_line(act, info, act_params):
        return Line()  # the activation does not matter for a straight line

    register_task(Task("test_line", "y = 2x + 1, one linear unit, RMSE", load_line, build_line, mse_loss, "rmse",
                       budget={"epochs": 5, "lr": 1.0, "batch_size": 64, "optimizer": "lbfgs"}, data_kw={"n": 64},
                       aliases=("test_straight",), tags=("test",)))
'''


def test_a_task_is_one_file(plugin):
    plugin("actlab_test_task_plugin", TASK)
    try:
        assert TASKS.entry("test-straight").module == "actlab_test_task_plugin" and names("test") == ["test_line"]
        rec = get_task("test_straight").run("relu", seed=0)
        assert rec["task"] == "test_line" and rec["metric"] == "rmse"
        assert rec["value"] < 1e-2  # least squares would reach 0: the run really trained the registered model
    finally:
        TASKS.remove("test_line")
    assert "test_line" not in names()


ARITH_UNIT = '''
    import torch
    from actlab.arith.models import register_model
    from actlab.arith.units import NAU, ArithUnit, _matmul, _uniform_

    class SignNAU(ArithUnit):
        """z = sign-free NAU variant for the test: W ∈ [-1, 1], z = W x, init U(-0.5, 0.5) per seed."""

        def __init__(self, in_features, out_features, seeds=None, generators=None):
            super().__init__(in_features, out_features, seeds)
            self.weight = self._weight()
            _uniform_(self.weight, -0.5, 0.5, generators)

        def _forward(self, x):
            return _matmul(x, self.weight)

        def clamp_(self):
            with torch.no_grad():
                self.weight.clamp_(-1.0, 1.0)

    register_model("test_sign_nau", NAU, SignNAU, aliases=("test_snau",))
'''


def test_an_arithmetic_unit_is_one_file(plugin):
    mod = plugin("actlab_test_arith_plugin", ARITH_UNIT)
    try:
        assert "test_sign_nau" in unit_names() and ARITH_MODELS.entry("test_snau").module == mod.__name__
        net = ArithNet("TEST-SNAU", seeds=[3, 4], input_size=4, hidden=2)
        assert isinstance(net.layer2, mod.SignNAU) and net.unit == "test_sign_nau"
        x = torch.randn(2, 5, 4)
        w1, w2 = net.layer1.weight, net.layer2.weight  # (S, out, in)
        ref = torch.einsum("sbi,soi->sbo", torch.einsum("sbi,soi->sbo", x, w1), w2)[..., 0]
        torch.testing.assert_close(net(x), ref)
        # seed 4's slice of layer 1 (the built-in NAU) comes from seed 4's own generator, as for built-in models
        torch.testing.assert_close(net.layer1.weight[1], ArithNet("nau", seeds=[4], input_size=4).layer1.weight[0])
    finally:
        ARITH_MODELS.remove("test_sign_nau")
    assert "test_sign_nau" not in unit_names()
