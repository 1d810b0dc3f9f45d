"""EvoNorm-style computation-graph space for joint normalisation–activation layers.

Liu, Brock, Simonyan & Le, "Evolving Normalization-Activation Layers" (arXiv 2004.02967): a layer is a DAG over four
initial nodes — the input x, a constant 0, and trainable vectors v0 (init 0) and v1 (init 1) — whose intermediate
nodes apply element-wise ops or first/second moments over an index set (batch, instance, layer, group). Mutation
picks an intermediate node, replaces its op and re-samples its inputs.

Genome: a list of intermediate nodes ``[op, i, j]`` (``j`` ignored by unary ops); node indices 0–3 are the initial
nodes and 4+k is intermediate node k; the last node is the output. Simplifications (say so in reports): v0/v1 are
scalars unless ``num_features`` is given, batch moments always use the current batch (no running average), and
``div`` is a plain division (unstable candidates are caught by the rejection filters, as in the paper).
"""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from actlab.core import moments
from actlab.core.elementary import ELEMENTARY, EXP_CLAMP
from actlab.core.errors import ConfigError, UnknownNameError
from actlab.search.space import Space, fingerprint_outputs, register_space

INITIAL = ("x", "0", "v0", "v1")
EPS = 1e-5


def _dims(x: torch.Tensor, which: str) -> tuple[int, ...]:
    spatial = tuple(range(2, x.dim()))
    return {"b": (0, *spatial), "i": spatial, "l": tuple(range(1, x.dim()))}[which]


def _moment(which: str, second: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    def f(x: torch.Tensor) -> torch.Tensor:
        d = _dims(x, which)  # no dims: instance moments of an (N, C) tensor, each element its own instance
        return moments.std(x, d, EPS, expand=True) if second else moments.mean(x, d, expand=True)
    return f


def _group_std(x: torch.Tensor, groups: int = 4) -> torch.Tensor:
    n, c = x.shape[:2]
    g = groups if c % groups == 0 else 1
    xg = x.reshape(n, g, -1)
    return moments.std(xg, (-1,), EPS, expand=True).reshape(x.shape)


def _signed(f: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda z: torch.sign(z) * f(z.abs())


UNARY_OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "neg": torch.neg, "sigmoid": ELEMENTARY.get("sigmoid").torch, "tanh": ELEMENTARY.get("tanh").torch,
    "exp": lambda z: torch.exp(z.clamp(max=EXP_CLAMP)),
    "log": _signed(lambda a: torch.log(a + EPS)),        # sign-preserving, as in EvoNorm's table
    "abs": ELEMENTARY.get("abs").torch, "square": ELEMENTARY.get("square").torch,
    "sqrt": _signed(lambda a: torch.sqrt(a + EPS)),
    "mean_b": _moment("b", False), "std_b": _moment("b", True),
    "mean_i": _moment("i", False), "std_i": _moment("i", True),
    "mean_l": _moment("l", False), "std_l": _moment("l", True),
    "std_g": _group_std,
}
BINARY_OPS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "add": torch.add, "mul": torch.mul, "div": torch.div, "max": torch.maximum,
}
COMMUTATIVE = {"add", "mul", "max"}
BATCH_OPS = {"mean_b", "std_b"}
OP_COST = {"mean_b": 2.0, "std_b": 3.0, "mean_i": 2.0, "std_i": 3.0, "mean_l": 2.0, "std_l": 3.0, "std_g": 3.0}


class GraphLayer(nn.Module):
    """A norm-activation layer evaluated from a graph genome.

    Shape: (N, C, *) -> (N, C, *)
    """

    def __init__(self, genome: list, num_features: int | None = None):
        super().__init__()
        self.genome = [list(n) for n in genome]
        shape = (num_features,) if num_features else ()
        self.v0 = nn.Parameter(torch.zeros(shape))
        self.v1 = nn.Parameter(torch.ones(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 2:
            raise ConfigError(f"graph layers need (N, C, *) inputs, got shape {tuple(x.shape)}")
        view = (1, -1) + (1,) * (x.dim() - 2)
        v0 = self.v0.to(x.dtype).reshape(view) if self.v0.dim() else self.v0.to(x.dtype)
        v1 = self.v1.to(x.dtype).reshape(view) if self.v1.dim() else self.v1.to(x.dtype)
        zero = torch.zeros((), dtype=x.dtype, device=x.device)
        vals: list[torch.Tensor] = [x, zero, v0, v1]
        for op, i, j in self.genome:
            a = vals[i] if vals[i].shape == x.shape else vals[i].expand_as(x)
            if op in UNARY_OPS:
                vals.append(UNARY_OPS[op](a))
            else:
                vals.append(BINARY_OPS[op](a, vals[j]))
        out = vals[-1]
        return out if out.shape == x.shape else out.expand_as(x)

    def extra_repr(self) -> str:
        return graph_text(self.genome)


def graph_text(genome: list) -> str:
    """The output node as nested text, commutative arguments sorted (the canonical form)."""
    memo: dict[int, str] = {}

    def text(k: int) -> str:
        if k < 4:
            return INITIAL[k]
        if k not in memo:
            op, i, j = genome[k - 4]
            if op in UNARY_OPS:
                memo[k] = f"{op}({text(i)})"
            else:
                a, b = text(i), text(j)
                if op in COMMUTATIVE:
                    a, b = sorted((a, b))
                memo[k] = f"{op}({a}, {b})"
        return memo[k]

    return text(len(genome) + 3)


def _uses_x(genome: list) -> bool:
    """Whether the output node depends on the input x."""
    dep = [True, False, False, False]
    for op, i, j in genome:
        dep.append(dep[i] or (op in BINARY_OPS and dep[j]))
    return dep[-1]


@register_space
class GraphSpace(Space):
    """EvoNorm-style DAGs with up to ``max_nodes`` intermediate nodes; ``batch=False`` gives the S series."""

    name = "graph"
    elementwise = False  # the affine-function filter does not apply to layers with moments

    def __init__(self, max_nodes: int = 8, min_nodes: int = 2, batch: bool = True, probe_shape=(8, 4, 3, 3)):
        if not 1 <= min_nodes <= max_nodes <= 14:
            raise ConfigError(f"need 1 <= min_nodes <= max_nodes <= 14, got {min_nodes}..{max_nodes}")
        self.min_nodes, self.max_nodes, self.batch = int(min_nodes), int(max_nodes), bool(batch)
        self.ops = [o for o in (*UNARY_OPS, *BINARY_OPS) if batch or o not in BATCH_OPS]
        self.probe_shape = tuple(int(s) for s in probe_shape)

    def settings(self) -> dict[str, Any]:
        return {"max_nodes": self.max_nodes, "min_nodes": self.min_nodes, "batch": self.batch,
                "probe_shape": list(self.probe_shape)}

    def _node(self, rng: random.Random, k: int) -> list:
        return [rng.choice(self.ops), rng.randrange(4 + k), rng.randrange(4 + k)]

    def random(self, rng: random.Random) -> list:
        # most random DAGs ignore x; redraw a few times (the rejection filters still catch the rest)
        for _ in range(20):
            n = rng.randint(self.min_nodes, self.max_nodes)
            g = [self._node(rng, k) for k in range(n)]
            if _uses_x(g):
                break
        return g

    def mutate(self, genome: list, rng: random.Random) -> list:
        g = [list(n) for n in self.check(genome)]
        k = rng.randrange(len(g))
        g[k] = self._node(rng, k)
        return g

    def check(self, genome: Any) -> list:
        if not isinstance(genome, (list, tuple)) or not genome:
            raise ConfigError(f"a graph genome is a non-empty list of [op, i, j] nodes, got {genome!r}")
        out = []
        for k, node in enumerate(genome):
            if not isinstance(node, (list, tuple)) or len(node) != 3:
                raise ConfigError(f"graph node {k} must be [op, i, j], got {node!r}")
            op, i, j = node
            if op not in UNARY_OPS and op not in BINARY_OPS:
                raise UnknownNameError("graph op", str(op), [*UNARY_OPS, *BINARY_OPS])
            for v in (i, j):
                if not isinstance(v, int) or not 0 <= v < 4 + k:
                    raise ConfigError(f"graph node {k} input {v!r} must index an earlier node 0..{3 + k}")
            out.append([op, int(i), int(j)])
        return out

    def canonical(self, genome: list) -> str:
        return graph_text(self.check(genome))

    def fingerprint(self, genome: list) -> str:
        layer = GraphLayer(self.check(genome)).double()
        x = torch.randn(self.probe_shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        outs = []
        with torch.no_grad():
            for v0, v1 in ((0.0, 1.0), (0.5, 0.7)):
                layer.v0.fill_(v0)
                layer.v1.fill_(v1)
                outs.append(layer(x))
        return fingerprint_outputs(outs)

    def build(self, genome: list) -> nn.Module:
        return GraphLayer(self.check(genome))

    def op_cost(self, genome: list) -> float:
        return 1.0 + sum(OP_COST.get(op, 0.5) for op, _, _ in self.check(genome))


# the two published layers, as genomes of this space (useful seeds and test references)
EVONORM_B0 = [["std_b", 0, 0], ["mul", 3, 0], ["std_i", 0, 0], ["add", 5, 6], ["max", 4, 7], ["div", 0, 8]]
EVONORM_S0 = [["mul", 3, 0], ["sigmoid", 4, 0], ["mul", 0, 5], ["std_g", 0, 0], ["div", 6, 7]]
