"""Search strategies: exhaustive enumeration, random search and aging (regularized) evolution.

A strategy proposes candidate ``i`` from a ``random.Random`` seeded by (search seed, i) and from the results it
has *observed*; the driver (`actlab.search.runner`) feeds it results strictly in proposal order. Both rules make
a search a pure function of its seed and settings, which is what lets a killed search resume and end with the
same population as an uninterrupted one.

Aging evolution follows Real et al., "Regularized Evolution for Image Classifier Architecture Search"
(arXiv 1802.01548), Algorithm 1: the population is a FIFO queue of ``population`` members; each cycle samples
``sample`` members uniformly *with replacement*, mutates the best one and appends the child; the *oldest* member
is removed. With ``select="pareto"`` the parent is drawn uniformly from the Pareto front of the sample over
(value ↑, cost ↓), as in EvoNorm's multi-objective tournament.
"""
from __future__ import annotations

import inspect
import random
from collections import deque
from collections.abc import Iterator
from typing import Any

from actlab.core.errors import ConfigError, UnknownNameError
from actlab.core.named_registry import Registry
from actlab.search.space import Genome, Space
from actlab.store.candidates import CandidateRow

STRATEGIES: Registry[type[Strategy]] = Registry("search strategy", helpers=(__name__,))
"""Every search strategy class by name (entry capability ``options``: its settings with defaults)."""


def register_strategy(cls: type[Strategy], replace: bool = False) -> type[Strategy]:
    """Make a `Strategy` subclass available to `make_strategy` / `run_search` under ``cls.name``."""
    sig = inspect.signature(cls.__init__)
    options = {n: p.default for n, p in list(sig.parameters.items())[2:]}  # after (self, space)
    return STRATEGIES.add(cls.name, cls, replace=replace, options=options)


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points not dominated under (value maximised, cost minimised)."""
    front = []
    for i, (v, c) in enumerate(points):
        dominated = any((v2 >= v and c2 <= c) and (v2 > v or c2 < c) for j, (v2, c2) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front


class Strategy:
    """Base: observe() receives finished rows in proposal order; propose() returns (genome, origin, parent)."""

    name = "base"
    max_tries = 20  # redraws when a proposal duplicates an earlier candidate

    def __init__(self, space: Space):
        self.space = space
        self.accepted: list[CandidateRow] = []

    def settings(self) -> dict[str, Any]:
        return {"name": self.name}

    def observe(self, row: CandidateRow) -> None:
        if row.status in ("done", "duplicate") and row.value is not None:
            self.accepted.append(row)

    def propose(self, i: int, rng: random.Random) -> tuple[Genome, str, int | None]:
        raise NotImplementedError

    def population(self, k: int | None = None) -> list[CandidateRow]:
        """The final population (evolution) or the best ``k`` accepted candidates (other strategies)."""
        best = sorted(self.accepted, key=lambda r: (-r.value, r.idx))
        return best[:k] if k else best


@register_strategy
class RandomSearch(Strategy):
    name = "random"

    def propose(self, i: int, rng: random.Random) -> tuple[Genome, str, int | None]:
        return self.space.random(rng), "random", None


@register_strategy
class Exhaustive(Strategy):
    """Every genome of a small space, in enumeration order (duplicates skipped by the driver)."""

    name = "exhaustive"
    max_tries = 10 ** 9

    def __init__(self, space: Space):
        super().__init__(space)
        self._it: Iterator[Genome] = iter(space.enumerate())

    def propose(self, i: int, rng: random.Random) -> tuple[Genome, str, int | None]:
        return next(self._it), "enumerate", None  # StopIteration ends the search


@register_strategy
class AgingEvolution(Strategy):
    """Regularized evolution with population P and tournament sample S (both from the paper's Algorithm 1)."""

    name = "evolution"

    def __init__(self, space: Space, population: int = 20, sample: int = 5, select: str = "best"):
        super().__init__(space)
        if population < 2 or not 1 <= sample <= population:
            raise ConfigError(f"evolution needs population >= 2 and 1 <= sample <= population, "
                              f"got population={population}, sample={sample}")
        if select not in ("best", "pareto"):
            raise UnknownNameError("selection", select, ("best", "pareto"))
        self.P, self.S, self.select = int(population), int(sample), select
        self.queue: deque[CandidateRow] = deque()

    def settings(self) -> dict[str, Any]:
        return {"name": self.name, "population": self.P, "sample": self.S, "select": self.select}

    def observe(self, row: CandidateRow) -> None:
        super().observe(row)
        if row.status in ("done", "duplicate") and row.value is not None:
            self.queue.append(row)
            if len(self.queue) > self.P:
                self.queue.popleft()  # aging: the oldest dies, not the worst

    def propose(self, i: int, rng: random.Random) -> tuple[Genome, str, int | None]:
        if i < self.P or not self.queue:
            return self.space.random(rng), "random", None
        members = list(self.queue)
        sample = [members[rng.randrange(len(members))] for _ in range(self.S)]
        if self.select == "pareto":
            pts = [(r.value, r.cost if r.cost is not None else 0.0) for r in sample]
            front = pareto_front(pts)
            parent = sample[front[rng.randrange(len(front))]]
        else:
            parent = max(sample, key=lambda r: (r.value, -r.idx))
        return self.space.mutate(parent.genome, rng), "mutation", parent.idx

    def population(self, k: int | None = None) -> list[CandidateRow]:
        pop = list(self.queue)
        return pop[:k] if k else pop


def make_strategy(name: str, space: Space, **kw: Any) -> Strategy:
    entry = STRATEGIES.entry(name)
    if kw and not entry.meta["options"]:
        raise ConfigError(f"strategy {entry.name!r} takes no options, got {sorted(kw)}")
    return entry.value(space, **kw)
