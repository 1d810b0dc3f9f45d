"""SQLite store of one search: a row per proposed candidate, plus the search's identity (space and settings).

One file holds one search. The ``meta`` table records the space name and the settings that define the search
(space settings, strategy, objective, seed, parallelism); opening the file for a different search is refused with
an error naming the difference, and a finished search is never overwritten unless ``force=True``.
Rows are written by the driver only: ``pending`` when submitted, then ``done`` / ``rejected`` / ``failed``
(``duplicate`` rows point at the candidate they repeat). WAL mode keeps readers (a live report) unblocked.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actlab.core.errors import ConfigError
from actlab.core.record import Record
from actlab.store.db import connect, writing

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates (
    idx INTEGER PRIMARY KEY,
    genome TEXT NOT NULL,
    canonical TEXT NOT NULL,
    hash TEXT NOT NULL,
    origin TEXT NOT NULL,
    parent INTEGER,
    dup_of INTEGER,
    status TEXT NOT NULL,
    reason TEXT,
    value REAL,
    metrics TEXT,
    cost REAL,
    wall REAL,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX IF NOT EXISTS candidates_hash ON candidates(hash);
"""
FINISHED = ("done", "rejected", "failed", "duplicate")


@dataclass(kw_only=True)
class CandidateRow(Record):
    """One candidate of a search as `CandidateStore.rows` returns it (the columns above, JSON decoded). A row the
    driver has just proposed has no result yet (``status="pending"``, the result fields None). ``value``/``cost``/
    ``metrics``/``reason`` of a duplicate are its source's once observed."""

    idx: int
    genome: Any               # the space's JSON-able genome
    canonical: str
    hash: str                 # functional fingerprint (dedup key)
    origin: str               # random / mutation / enumerate
    parent: int | None = None
    dup_of: int | None = None
    status: str = "pending"   # pending, then one of FINISHED
    reason: str | None = None
    value: float | None = None  # the objective (higher is better)
    metrics: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    wall: float | None = None
    created_at: float | None = None
    finished_at: float | None = None
    space: str | None = None  # not a column: the space's name, set when a stored search is read back (load_search)

    @classmethod
    def from_sql(cls, r: Mapping[str, Any]) -> CandidateRow:
        """A row of the ``candidates`` table, its JSON columns decoded."""
        d = dict(r)
        d["genome"] = json.loads(d["genome"])
        d["metrics"] = json.loads(d["metrics"]) if d["metrics"] else {}
        return cls.from_row(d)

    def take_numbers(self, src: CandidateRow) -> None:
        """A duplicate carries the numbers of the candidate it duplicates: ``value``, ``cost`` and ``metrics``."""
        self.value, self.cost, self.metrics = src.value, src.cost, src.metrics


def _diff(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _diff(a.get(k), b.get(k), f"{prefix}{k}.")
        return out
    return [] if a == b else [f"{prefix.rstrip('.')}: stored {a!r}, given {b!r}"]


class CandidateStore:
    """The candidates of one search in one SQLite file."""

    def __init__(self, path: str | Path, space: str, settings: dict[str, Any], force: bool = False):
        path = Path(path)
        if str(path) != ":memory:" and not path.parent.exists():
            raise ConfigError(f"database directory {str(path.parent)!r} does not exist; create it first "
                              f"(mkdir -p {path.parent}) or choose another --db")
        if path.is_dir():
            raise ConfigError(f"database path {str(path)!r} is a directory; give a file such as {path / 'search.db'}")
        self.con = connect(path, SCHEMA)  # a non-database file is a ConfigError there
        self.path, self.space = path, space
        self.settings = json.loads(json.dumps(settings))  # normalise tuples to lists, as stored
        meta = self.meta()
        if meta and force:
            self.clear()
            meta = {}
        if meta:
            if meta.get("space") != space:
                raise ConfigError(f"database {str(path)!r} holds a search over space {meta.get('space')!r}, not "
                                  f"{space!r}; use another --db, or --force to discard it")
            diffs = _diff(json.loads(meta["settings"]), self.settings)
            if diffs:
                raise ConfigError(f"database {str(path)!r} holds a different search ({'; '.join(diffs)}); use "
                                  f"another --db, the same settings to resume, or --force to discard it")
        else:
            with writing(self.con, self.path):
                self.con.executemany("INSERT OR REPLACE INTO search_meta VALUES (?, ?)",
                                     [("space", space), ("settings", json.dumps(self.settings, sort_keys=True)),
                                      ("state", "running"), ("created_at", repr(time.time()))])

    # -- meta -------------------------------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.con.execute("SELECT key, value FROM search_meta")}

    def set_state(self, state: str, **extra: Any) -> None:
        with writing(self.con, self.path):
            self.con.execute("INSERT OR REPLACE INTO search_meta VALUES ('state', ?)", (state,))
            for k, v in extra.items():
                self.con.execute("INSERT OR REPLACE INTO search_meta VALUES (?, ?)", (k, json.dumps(v)))

    @property
    def finished(self) -> bool:
        return self.meta().get("state") == "finished"

    def clear(self) -> None:
        with writing(self.con, self.path):
            self.con.execute("DELETE FROM candidates")
            self.con.execute("DELETE FROM search_meta")

    # -- rows -------------------------------------------------------------------------------------------------------
    def add(self, idx: int, genome: Any, canonical: str, hash_: str, origin: str, parent: int | None = None,
            dup_of: int | None = None) -> None:
        status = "duplicate" if dup_of is not None else "pending"
        with writing(self.con, self.path):
            self.con.execute(
                "INSERT INTO candidates (idx, genome, canonical, hash, origin, parent, dup_of, status, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (idx, json.dumps(genome), canonical, hash_, origin, parent, dup_of, status, time.time()))

    def finish(self, idx: int, result: dict[str, Any]) -> None:
        with writing(self.con, self.path):
            self.con.execute(
                "UPDATE candidates SET status=?, reason=?, value=?, metrics=?, cost=?, wall=?, finished_at=? "
                "WHERE idx=?",
                (result["status"], result.get("reason"), result.get("value"), json.dumps(result.get("metrics") or {}),
                 result.get("cost"), result.get("wall"), time.time(), idx))

    def rows(self, status: str | None = None) -> list[CandidateRow]:
        q = "SELECT * FROM candidates" + (" WHERE status=?" if status else "") + " ORDER BY idx"
        return [CandidateRow.from_sql(r) for r in self.con.execute(q, (status,) if status else ())]

    def count(self, finished_only: bool = False) -> int:
        q = "SELECT COUNT(*) FROM candidates" + (" WHERE status != 'pending'" if finished_only else "")
        return int(self.con.execute(q).fetchone()[0])

    def close(self) -> None:
        self.con.close()


def open_for_report(path: str | Path) -> tuple[dict[str, str], list[CandidateRow]]:
    """Read-only view for reports: (meta, rows); a missing file or a non-search database is a clear error."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"search database {str(path)!r} does not exist")
    con = connect(path, readonly=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"search_meta", "candidates"} <= tables:
            raise ConfigError(f"{str(path)!r} is not a search database (no candidates table)")
        meta = {r["key"]: r["value"] for r in con.execute("SELECT key, value FROM search_meta")}
        rows = [CandidateRow.from_sql(r) for r in con.execute("SELECT * FROM candidates ORDER BY idx")]
    finally:
        con.close()
    return meta, rows
