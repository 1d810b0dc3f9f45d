"""The search driver: propose → dedup → filter/evaluate on a backend → record, resumable after ``kill -9``.

Determinism: candidate ``i`` is proposed with ``random.Random(f"{seed}:{i}")`` after the strategy has observed,
in proposal order, exactly the results with index ≤ i − ``parallel`` (no more, no fewer). So with ``parallel`` in-flight evaluations the
search is asynchronous (a free worker gets a new child without a generation barrier) yet its sequence of genomes
does not depend on which worker finishes first. Resuming replays the stored rows through the same procedure:
stored results are reused, only rows still ``pending`` (in flight at the kill) are evaluated again.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from actlab.bench.backends.scheduler import InFlight
from actlab.core.errors import ConfigError
from actlab.search.evaluate import evaluate_candidate, make_objective
from actlab.search.space import SPACES, Space, genome_key, get_space
from actlab.search.strategies import Strategy, make_strategy
from actlab.store.candidates import FINISHED, CandidateRow, CandidateStore

RESULT_FIELDS = ("status", "reason", "value", "cost", "wall")  # what an evaluation fills in (`CandidateStore.finish`)


@dataclass
class SearchResult:
    """What a finished search returns: the rows, the final population and counts."""

    rows: list[CandidateRow]
    population: list[CandidateRow]
    evaluated: int          # evaluations run by this call (resumes re-run at most the in-flight ones)
    reused: int             # stored results reused from the database
    exhausted: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False  # the database already held this finished search: its stored result, nothing run

    def top(self, k: int = 10) -> list[CandidateRow]:
        return top_rows(self.rows, k)


@dataclass
class _Progress:
    """The driver's bookkeeping: finished rows by index, fingerprints seen, the next index to observe and to
    propose, and what this call evaluated or reused."""

    results: dict[int, CandidateRow] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # fingerprint -> first idx with it
    next_obs: int = 0
    next_idx: int = 0
    evaluated: int = 0
    reused: int = 0
    exhausted: bool = False

    def observe_ready(self, limit: float, strat: Strategy,
                      on_result: Callable[[CandidateRow, Strategy], None] | None) -> None:
        """Feed the strategy every finished row with index <= ``limit``, in proposal order, without gaps."""
        while self.next_obs in self.results and self.next_obs <= limit:
            row = self.results[self.next_obs]
            if row.status == "duplicate":
                src = self.results[row.dup_of]
                row.take_numbers(src)
                row.reason = f"duplicate of #{row.dup_of} ({src.status})"
            strat.observe(row)
            if on_result is not None:
                on_result(row, strat)
            self.next_obs += 1


def run_search(space: str | Space = "swish", strategy: str = "evolution", objective: Any = "target:silu", *,
               budget: int = 100, seed: int = 0, db: str | Path | None = None, backend: Any = None,
               parallel: int | None = None, lag: int | None = None, seeds: tuple[int, ...] = (0,),
               cost: str = "ops",
               strategy_options: dict[str, Any] | None = None, space_options: dict[str, Any] | None = None,
               force: bool = False, on_result: Callable[[CandidateRow, Strategy], None] | None = None
               ) -> SearchResult:
    """Run (or resume) a search; see the module docstring for the determinism contract.

    space: a `Space` or its name (``swish``, ``graph``, ``correction``) built with ``space_options``.
    objective: a task name (``"digits"``), ``"target:<activation>"`` or an objective object.
    db: SQLite file for resumability (None = in memory, not resumable).
    backend: an `actlab.bench.backends.Backend` (default: in-process).
    parallel: max evaluations in flight (default: the backend's worker count); part of the search identity.
    lag: candidate i is proposed after exactly the results 0 .. i-lag have been observed (default 1 when serial,
        4·parallel otherwise: a window longer than the worker count keeps every worker busy when candidates
        take very different times, e.g. a 20 ms rejection beside a 3 s training); part of the search identity.
    on_result: called with each finished row and the strategy (progress bars, live tables).
    """
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise ConfigError(f"budget must be a positive number of candidates, got {budget!r}")
    if cost not in ("ops", "time"):
        raise ConfigError(f"cost must be 'ops' or 'time', got {cost!r}")
    sp_obj = space if isinstance(space, Space) else get_space(space, **(space_options or {}))
    obj = make_objective(objective)
    strat = make_strategy(strategy, sp_obj, **(strategy_options or {}))
    own_backend = backend is None
    if backend is None:
        from actlab.bench.backends import get_backend

        backend = get_backend("local")
    par = int(parallel or backend.num_workers)
    if par < 1:
        raise ConfigError(f"parallel must be >= 1, got {parallel!r}")
    lag = int(lag or (1 if par == 1 else 4 * par))
    if lag < par:
        raise ConfigError(f"lag must be >= parallel ({par}), got {lag!r}")
    seeds = tuple(int(s) for s in seeds)
    settings = {"space": sp_obj.settings(), "strategy": strat.settings(), "objective": obj.settings(),
                "seed": int(seed), "seeds": list(seeds), "parallel": par, "lag": lag, "cost": cost}
    store = CandidateStore(db if db is not None else ":memory:", sp_obj.name, settings, force=force)
    try:
        meta = store.meta()
        exhausted_before = meta.get("exhausted") == "true"
        if store.count() > budget:
            raise ConfigError(f"database {str(db)!r} holds a search of {store.count()} candidates, more than the "
                              f"budget of {budget}; give the budget it was run with ({meta.get('budget', '?')}) to "
                              f"see it, a larger one to extend it, or force=True (--force) to start over")
        # the same command again: nothing to evaluate, so the stored rows are replayed (no writes) and returned
        replay = store.finished and (store.count() == budget or exhausted_before)
        if not replay:
            store.set_state("running", budget=budget)
        stored = {r.idx: r for r in store.rows()}
        # registered spaces travel by name (cheap to ship to Ray workers); custom subclasses travel whole
        builtin = sp_obj.name in SPACES and SPACES.get(sp_obj.name) is type(sp_obj)
        job_args = (sp_obj.name, sp_obj.settings()) if builtin else (sp_obj, None)
        obj_settings = obj.settings()

        flight = InFlight(backend, par)  # candidate index -> its evaluation
        d = _Progress()
        while True:
            more = not d.exhausted and d.next_idx < budget
            # observe exactly the results 0 .. i - lag before proposing i: never fewer (determinism) and never
            # more (a fast worker must not change what candidate i is)
            d.observe_ready(d.next_idx - lag if more else float("inf"), strat, on_result)
            i = d.next_idx
            if more and not flight.full and d.next_obs >= i - lag + 1:
                rng = random.Random(f"{seed}:{i}")
                try:
                    for _ in range(strat.max_tries):
                        genome, origin, parent = strat.propose(i, rng)
                        genome = sp_obj.check(genome)
                        h = sp_obj.fingerprint(genome)
                        if h not in d.seen:
                            break
                except StopIteration:
                    d.exhausted = True
                    continue
                row = stored.get(i)
                if row is not None and genome_key(row.genome) != genome_key(genome):
                    raise ConfigError(f"database {str(db)!r} row {i} holds {row.canonical!r} but this search "
                                      f"proposes {sp_obj.canonical(genome)!r}; the stored search was made by a "
                                      f"different version or settings; use --force or another --db")
                dup_of = d.seen.get(h)
                if row is None:
                    store.add(i, genome, sp_obj.canonical(genome), h, origin, parent, dup_of)
                    row = CandidateRow(idx=i, genome=genome, canonical=sp_obj.canonical(genome), hash=h,
                                       origin=origin, parent=parent, dup_of=dup_of,
                                       status="duplicate" if dup_of is not None else "pending")
                d.seen.setdefault(h, i)
                if row.status in FINISHED:
                    d.results[i] = row
                    d.reused += row.status != "duplicate"
                else:
                    flight.submit(i, evaluate_candidate, job_args[0], job_args[1], genome, obj_settings, seeds,
                                  cost)
                    stored[i] = row
                d.next_idx += 1
                continue
            if not len(flight):
                if d.next_obs >= d.next_idx:
                    break
                continue
            for job in flight.wait():
                k, res, e = job.key, job.value, job.error
                if e is not None:  # a worker crash is recorded, the search goes on
                    res = {"status": "failed", "reason": f"worker: {type(e).__name__}: {e}", "value": None,
                           "metrics": {}, "cost": None, "wall": None}
                store.finish(k, res)
                d.evaluated += 1
                d.results[k] = replace(stored[k], **{f: res.get(f) for f in RESULT_FIELDS},
                                       metrics=res.get("metrics") or {})
        rows = store.rows()
        for r in rows:  # duplicates carry their source's numbers in the returned rows too
            if r.status == "duplicate" and r.idx in d.results:
                done = d.results[r.idx]
                r.take_numbers(done)
                r.reason = done.reason
        if not replay:
            store.set_state("finished", budget=budget, exhausted=d.exhausted)
        return SearchResult(rows=rows, population=strat.population(), evaluated=d.evaluated, reused=d.reused,
                            exhausted=d.exhausted, settings=settings, replayed=replay)
    finally:
        store.close()
        if own_backend:
            backend.shutdown()


def load_search(db: str | Path) -> tuple[Space, dict[str, Any], list[CandidateRow]]:
    """(space, settings, rows) of a stored search, for reports and promotion; duplicates carry their source's value."""
    import json

    from actlab.store.candidates import open_for_report

    meta, rows = open_for_report(db)
    if "settings" not in meta:
        raise ConfigError(f"{str(db)!r} has no search settings (an empty or foreign database)")
    settings = json.loads(meta["settings"])
    space = get_space(meta["space"], **settings["space"])
    by_idx = {r.idx: r for r in rows}
    for r in rows:
        if r.status == "duplicate" and r.dup_of in by_idx:
            src = by_idx[r.dup_of]
            r.take_numbers(src)
        r.space = meta["space"]
    settings["state"] = meta.get("state")
    return space, settings, rows


def top_rows(rows: list[CandidateRow], k: int = 10) -> list[CandidateRow]:
    """Best ``k`` evaluated (non-duplicate) candidates by value."""
    ok = [r for r in rows if r.status == "done" and r.value is not None]
    return sorted(ok, key=lambda r: (-r.value, r.idx))[:k]


def population_from_db(db: str | Path) -> list[CandidateRow]:
    """Rebuild the strategy's final population by replaying the stored rows in proposal order."""
    space, settings, rows = load_search(db)
    st = dict(settings["strategy"])
    strat = make_strategy(st.pop("name"), space, **st)
    for r in rows:
        if r.status != "pending":
            strat.observe(r)
    return strat.population()
