"""SQLite store of the arithmetic benchmark: one row per (op, unit, configuration), per-seed results, checkpoints.

Tables (all prefixed ``arith_`` so reports can find them):

* ``arith_runs``: one row per configuration key (op, unit, task options, training protocol);
* ``arith_seeds``: the result of one finished seed (kept forever: a re-run skips finished seeds);
* ``arith_checkpoints``: the latest resumable state of one seed batch still in training (deleted when it ends).
"""
from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from actlab.store.db import connect, writing

SCHEMA = """
CREATE TABLE IF NOT EXISTS arith_runs (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE NOT NULL,
    op TEXT NOT NULL,
    unit TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS arith_seeds (
    run_id INTEGER NOT NULL REFERENCES arith_runs(id) ON DELETE CASCADE,
    seed INTEGER NOT NULL,
    success INTEGER NOT NULL,
    converged_at INTEGER,
    best_step INTEGER,
    val_mse REAL,
    test_mse REAL,
    sparsity_error REAL,
    diverged INTEGER NOT NULL,
    threshold REAL,
    iterations INTEGER,
    wall_time REAL,
    finished REAL NOT NULL,
    PRIMARY KEY (run_id, seed)
);
CREATE TABLE IF NOT EXISTS arith_checkpoints (
    run_id INTEGER NOT NULL REFERENCES arith_runs(id) ON DELETE CASCADE,
    seeds TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    state BLOB NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (run_id, seeds)
);
"""

_SEED_COLS = ("seed", "success", "converged_at", "best_step", "val_mse", "test_mse", "sparsity_error", "diverged",
              "threshold", "iterations", "wall_time")


def _num(v):
    """SQLite stores NaN as NULL; keep inf as a large sentinel-free float (sqlite handles ±inf)."""
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


class ArithStore:
    """Per-seed results and checkpoints of arithmetic runs in one SQLite file (``":memory:"`` for none)."""

    def __init__(self, path: str | Path = ":memory:"):
        self.path = str(path)
        self.con: sqlite3.Connection = connect(path, SCHEMA)

    def close(self) -> None:
        self.con.close()

    # ---- runs -------------------------------------------------------------------------------------------------
    @staticmethod
    def key(op: str, unit: str, config: dict) -> str:
        blob = json.dumps({"op": op, "unit": unit, **config}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:20]

    def run_id(self, op: str, unit: str, config: dict) -> int:
        """The id of this configuration's run, created on first use."""
        k = self.key(op, unit, config)
        with writing(self.con, self.path):
            self.con.execute("INSERT OR IGNORE INTO arith_runs (key, op, unit, config, created) VALUES (?,?,?,?,?)",
                             (k, op, unit, json.dumps(config, sort_keys=True, default=str), time.time()))
        return int(self.con.execute("SELECT id FROM arith_runs WHERE key=?", (k,)).fetchone()[0])

    def runs(self) -> list[dict]:
        return [dict(r) for r in self.con.execute("SELECT * FROM arith_runs ORDER BY id")]

    # ---- seeds ------------------------------------------------------------------------------------------------
    def save_seeds(self, run_id: int, results: Iterable[dict]) -> None:
        rows = [(run_id, *(_num(r.get(c)) for c in _SEED_COLS), time.time()) for r in results]
        with writing(self.con, self.path):
            self.con.executemany(
                f"INSERT OR REPLACE INTO arith_seeds (run_id, {', '.join(_SEED_COLS)}, finished) "
                f"VALUES ({', '.join('?' * (len(_SEED_COLS) + 2))})", rows)

    def seeds(self, run_id: int, seeds: Sequence[int] | None = None) -> list[dict]:
        """Finished seed results of a run (optionally only these seeds), ordered by seed."""
        rows = [dict(r) for r in self.con.execute("SELECT * FROM arith_seeds WHERE run_id=? ORDER BY seed",
                                                  (run_id,))]
        for r in rows:
            r["success"], r["diverged"] = bool(r["success"]), bool(r["diverged"])
        if seeds is not None:
            want = set(int(s) for s in seeds)
            rows = [r for r in rows if r["seed"] in want]
        return rows

    def finished(self, run_id: int) -> set[int]:
        return {int(r[0]) for r in self.con.execute("SELECT seed FROM arith_seeds WHERE run_id=?", (run_id,))}

    # ---- checkpoints ------------------------------------------------------------------------------------------
    @staticmethod
    def _seeds_key(seeds: Sequence[int]) -> str:
        return ",".join(str(int(s)) for s in seeds)

    def save_checkpoint(self, run_id: int, seeds: Sequence[int], iteration: int, state: bytes) -> None:
        with writing(self.con, self.path):
            self.con.execute("INSERT OR REPLACE INTO arith_checkpoints (run_id, seeds, iteration, state, updated) "
                             "VALUES (?,?,?,?,?)", (run_id, self._seeds_key(seeds), int(iteration),
                                                    sqlite3.Binary(state), time.time()))

    def load_checkpoint(self, run_id: int, seeds: Sequence[int]) -> tuple[int, bytes] | None:
        r = self.con.execute("SELECT iteration, state FROM arith_checkpoints WHERE run_id=? AND seeds=?",
                             (run_id, self._seeds_key(seeds))).fetchone()
        return None if r is None else (int(r[0]), bytes(r[1]))

    def checkpoints(self, run_id: int) -> list[tuple[list[int], int]]:
        """``(seeds, iteration)`` of every pending checkpoint of a run."""
        return [([int(s) for s in r[0].split(",")], int(r[1])) for r in
                self.con.execute("SELECT seeds, iteration FROM arith_checkpoints WHERE run_id=?", (run_id,))]

    def drop_checkpoint(self, run_id: int, seeds: Sequence[int]) -> None:
        with writing(self.con, self.path):
            self.con.execute("DELETE FROM arith_checkpoints WHERE run_id=? AND seeds=?",
                             (run_id, self._seeds_key(seeds)))


def read_results(path: str | Path) -> list[dict]:
    """Every arithmetic configuration with its finished seeds, read-only (reports): dicts with ``op, unit,
    config`` (decoded) and ``seeds`` (per-seed result dicts); configurations without a finished seed are left out."""
    con = connect(path, readonly=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"arith_runs", "arith_seeds"} <= tables:
            return []
        out = []
        for run in con.execute("SELECT * FROM arith_runs ORDER BY id"):
            seeds = [dict(r) for r in con.execute("SELECT * FROM arith_seeds WHERE run_id=? ORDER BY seed",
                                                  (run["id"],))]
            if seeds:
                out.append({"op": run["op"], "unit": run["unit"], "config": json.loads(run["config"]),
                            "seeds": seeds})
    finally:
        con.close()
    return out
