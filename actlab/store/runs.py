"""SQLite store of benchmark suites, runs and per-epoch metrics (the only bench code that touches SQLite).

Schema
------
- ``suites``: one row per suite invocation (name and the config as JSON).
- ``runs``: one row per (task, options, activation, seed); ``key`` is unique, so a run already in the database
  is found and skipped when a killed suite is started again.
- ``suite_runs``: which runs a suite asked for (a run can serve several suites).
- ``epochs``: per-epoch metrics of a run, long format (run, epoch, name, value).

A run replaced by a newer one of the same (task, options, activation, seed) — re-run with ``--rerun``, or run
again because the activation's definition or code changed — stays in ``runs`` with ``superseded = 1`` (and, for
a re-run of the same key, ``#superseded-<id>`` appended to its key): it is history, never counted as done and
never shown in reports.
"""
from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from actlab.store.db import connect, writing

SCHEMA = """
CREATE TABLE IF NOT EXISTS suites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    config TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    task TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    act TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,              -- ok | diverged | error
    metric TEXT,
    value REAL,
    higher_is_better INTEGER,
    diverged INTEGER NOT NULL DEFAULT 0,
    wall_time REAL,
    step_time REAL,
    rel_step_time REAL,                -- step_time / step_time of relu on the same task and seed
    params INTEGER,
    peak_mem REAL,
    epochs INTEGER,
    error TEXT,
    extra TEXT,
    created REAL NOT NULL,
    superseded INTEGER NOT NULL DEFAULT 0  -- 1: replaced by a newer run of the same cell (--rerun, edited code)
);
CREATE INDEX IF NOT EXISTS runs_task_act ON runs(task, act);
CREATE TABLE IF NOT EXISTS suite_runs (
    suite_id INTEGER NOT NULL REFERENCES suites(id) ON DELETE CASCADE,
    run_key TEXT NOT NULL,
    PRIMARY KEY (suite_id, run_key)
);
CREATE TABLE IF NOT EXISTS epochs (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    name TEXT NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, epoch, name)
);
"""

RUN_COLUMNS = ("id", "key", "task", "options", "act", "seed", "status", "metric", "value", "higher_is_better",
               "diverged", "wall_time", "step_time", "rel_step_time", "params", "peak_mem", "epochs", "error",
               "extra", "created", "superseded")


def run_key(task: str, act: str, seed: int, options: Mapping[str, Any] | None = None,
            act_id: str | None = None) -> str:
    """Identity of a run: the same task, activation, seed and budget options give the same key.

    ``act_id`` (the activation's definition hash) joins the key without being an option, so runs of different
    activations on a task still share their options (grouping, step time relative to the baseline)."""
    opts = json.dumps(dict(options or {}), sort_keys=True, separators=(",", ":"))
    return f"{task}|{act}|{int(seed)}|{opts}" + (f"|{act_id}" if act_id else "")


def _num(v: Any) -> float | None:
    """A finite float, or None (SQLite has no NaN; a diverged run's NaN metric is stored as NULL)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def curve_rows(curve: Any, name: str = "val_metric") -> list[tuple[int, str, float | None]]:
    """Flatten a per-epoch curve into (epoch, name, value) rows.

    Accepts a list of numbers (named ``name``), a list of dicts of numbers (an ``epoch`` key, when present,
    gives the epoch index) or a dict of name -> list of numbers.
    """
    rows: list[tuple[int, str, float | None]] = []
    if not curve:
        return rows
    if isinstance(curve, Mapping):
        for name, seq in curve.items():
            if isinstance(seq, Sequence) and not isinstance(seq, str):
                rows += [(i, str(name), _num(v)) for i, v in enumerate(seq)]
        return rows
    for i, item in enumerate(curve):
        if isinstance(item, Mapping):
            ep = int(item.get("epoch", i)) if _num(item.get("epoch", i)) is not None else i
            rows += [(ep, str(k), _num(v)) for k, v in item.items()
                     if k != "epoch" and isinstance(v, (int, float)) and not isinstance(v, bool)]
        else:
            rows.append((i, name, _num(item)))
    return rows


def _cell(run: Mapping[str, Any]) -> tuple:
    """(task, options, seed) of a decoded run: what runs of different activations share when paired."""
    return run["task"], json.dumps(run["options"], sort_keys=True), run["seed"]


class RunStore:
    """Suites, runs and per-epoch metrics in one SQLite file (WAL; safe to reopen after a kill)."""

    def __init__(self, path: str | Path, create: bool = True):
        """``create=False`` (reports) leaves a database without bench tables as it is: readers then return
        nothing instead of adding tables to, e.g., a search or arithmetic database."""
        self.path = Path(path)
        self.con: sqlite3.Connection = connect(self.path, SCHEMA) if create else connect(self.path, readonly=True)
        if create and "superseded" not in self._columns("runs"):  # a database written before the column existed
            with self.con:
                self.con.execute("ALTER TABLE runs ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0")

    def _columns(self, table: str) -> set[str]:
        return {r[1] for r in self.con.execute(f"PRAGMA table_info({table})")}

    def _has(self, table: str) -> bool:
        return self.con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone() \
            is not None

    # -- writing -------------------------------------------------------------------------------------------
    def add_suite(self, name: str, config: Mapping[str, Any], keys: Iterable[str] = ()) -> int:
        with writing(self.con, self.path):
            cur = self.con.execute("INSERT INTO suites(name, config, created) VALUES (?, ?, ?)",
                                   (name, json.dumps(config, sort_keys=True, default=str), time.time()))
            sid = int(cur.lastrowid)
            self.con.executemany("INSERT OR IGNORE INTO suite_runs(suite_id, run_key) VALUES (?, ?)",
                                 [(sid, k) for k in keys])
        return sid

    def record_run(self, task: str, act: str, seed: int, options: Mapping[str, Any] | None,
                   result: Mapping[str, Any] | None = None, error: str | None = None,
                   act_id: str | None = None, origin: str | None = None) -> int:
        """Insert one run with its per-epoch curve. A failed attempt of the same key is replaced; a finished one
        (``--rerun``) and runs of the same cell under another key (an earlier definition of the activation) are
        kept, marked superseded. ``origin``: the plugin file that defined the activation (kept in ``extra``)."""
        result = dict(result or {})
        if origin:
            result["act_origin"] = origin
        key = run_key(task, act, seed, options, act_id)
        diverged = bool(result.get("diverged", False))
        status = "error" if error is not None else ("diverged" if diverged else "ok")
        known = {"task", "act", "seed", "metric", "value", "higher_is_better", "diverged", "wall_time", "step_time",
                 "params", "peak_mem", "curve", "train_curve", "epochs"}
        extra = {k: v for k, v in result.items() if k not in known}
        epochs = result.get("epochs")
        if not isinstance(epochs, (int, float)):
            epochs = len(result.get("curve") or []) or None
        hib = result.get("higher_is_better")
        row = (key, task, json.dumps(dict(options or {}), sort_keys=True), act, int(seed), status,
               result.get("metric"), _num(result.get("value")), None if hib is None else int(bool(hib)),
               int(diverged), _num(result.get("wall_time")), _num(result.get("step_time")),
               None if result.get("params") is None else int(result["params"]), _num(result.get("peak_mem")),
               None if epochs is None else int(epochs), error, json.dumps(extra, default=str), time.time())
        with writing(self.con, self.path):
            self.con.execute("DELETE FROM runs WHERE key = ? AND status = 'error'", (key,))
            self.con.execute("UPDATE runs SET superseded = 1, key = key || '#superseded-' || id WHERE key = ?",
                             (key,))
            if error is None:  # a failed attempt (under a new key) does not displace an earlier definition's result
                self.con.execute("UPDATE runs SET superseded = 1 WHERE task = ? AND options = ? AND act = ? "
                                 "AND seed = ? AND status != 'error'", row[1:5])
            cur = self.con.execute(
                "INSERT INTO runs(key, task, options, act, seed, status, metric, value, higher_is_better, diverged,"
                " wall_time, step_time, params, peak_mem, epochs, error, extra, created)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", row)
            rid = int(cur.lastrowid)
            self.con.executemany("INSERT OR REPLACE INTO epochs(run_id, epoch, name, value) VALUES (?,?,?,?)",
                                 [(rid, e, n, v) for e, n, v in curve_rows(result.get("curve"))
                                  + curve_rows(result.get("train_curve"), "train_loss")])
        return rid

    def update_relative_step_times(self, baseline: str = "relu") -> None:
        """rel_step_time = step_time / step_time of ``baseline`` on the same task, options and seed."""
        with writing(self.con, self.path):
            self.con.execute(
                "UPDATE runs SET rel_step_time = step_time / (SELECT b.step_time FROM runs b WHERE b.task = runs.task"
                " AND b.options = runs.options AND b.seed = runs.seed AND b.act = ? AND b.step_time > 0"
                " AND b.superseded = 0)"
                " WHERE step_time IS NOT NULL", (baseline,))

    # -- reading -------------------------------------------------------------------------------------------
    def done_keys(self) -> set[str]:
        """Keys of runs that finished (ok or diverged); errored runs are retried."""
        return {r[0] for r in self.con.execute(
            "SELECT key FROM runs WHERE status IN ('ok', 'diverged') AND superseded = 0")}

    def runs(self, suite_id: int | None = None, status: Sequence[str] | None = None,
             latest: bool = True) -> list[dict[str, Any]]:
        """Stored runs (optionally of one suite / with given statuses). With ``latest`` (default) superseded runs
        are left out and only the newest run of each (task, options, act, seed) is kept (an older one is a
        result of an earlier definition of the activation, in databases written before runs were marked
        superseded); ``latest=False`` returns the history too."""
        if not self._has("runs"):
            return []
        q, args = "SELECT * FROM runs", []
        where = ["superseded = 0"] if latest and "superseded" in self._columns("runs") else []
        if suite_id is not None:
            where.append("key IN (SELECT run_key FROM suite_runs WHERE suite_id = ?)")
            args.append(suite_id)
        if status:
            where.append(f"status IN ({','.join('?' * len(status))})")
            args += list(status)
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY task, options, act, seed"
        out = []
        for r in self.con.execute(q, args):
            d = dict(r)
            d["options"] = json.loads(d["options"] or "{}")
            d["extra"] = json.loads(d["extra"] or "{}")
            d["diverged"] = bool(d["diverged"])
            d["higher_is_better"] = None if d["higher_is_better"] is None else bool(d["higher_is_better"])
            out.append(d)
        if latest:
            newest: dict[tuple, dict[str, Any]] = {}
            for d in out:
                k = (*_cell(d), d["act"])
                if k not in newest or (d["created"] or 0) >= (newest[k]["created"] or 0):
                    newest[k] = d
            keep = {id(d) for d in newest.values()}
            out = [d for d in out if id(d) in keep]
        return out

    def runs_with_baseline(self, suite_id: int | None, baseline: str) -> list[dict[str, Any]]:
        """A suite's runs plus, when the suite did not run ``baseline`` itself, the baseline's stored runs on the
        same tasks, options and seeds (from earlier suites), so the paired comparison can use them."""
        runs = self.runs(suite_id)
        if suite_id is None or any(r["act"] == baseline for r in runs):
            return runs
        wanted = {_cell(r) for r in runs}
        return runs + [r for r in self.runs() if r["act"] == baseline and _cell(r) in wanted]

    def acts(self) -> set[str]:
        """Names of the activations with stored runs."""
        if not self._has("runs"):
            return set()
        return {r[0] for r in self.con.execute("SELECT DISTINCT act FROM runs")}

    def curves(self, run_ids: Iterable[int]) -> dict[int, dict[str, list[tuple[int, float | None]]]]:
        """run id -> metric name -> [(epoch, value)] sorted by epoch."""
        ids = list(run_ids) if self._has("epochs") else []
        out: dict[int, dict[str, list[tuple[int, float | None]]]] = {i: {} for i in ids}
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            q = f"SELECT run_id, epoch, name, value FROM epochs WHERE run_id IN ({','.join('?' * len(chunk))})" \
                " ORDER BY run_id, name, epoch"
            for rid, ep, name, val in self.con.execute(q, chunk):
                out[rid].setdefault(name, []).append((ep, val))
        return out

    def suites(self) -> list[dict[str, Any]]:
        if not self._has("suites"):
            return []
        return [dict(r) | {"config": json.loads(r["config"])}
                for r in self.con.execute("SELECT * FROM suites ORDER BY id")]

    # -- other areas' tables, read generically for the report --------------------------------------------------
    def tables(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]

    def table_rows(self, table: str, limit: int = 50) -> tuple[list[str], list[tuple[Any, ...]], int]:
        """Columns, the first ``limit`` rows and the row count of an existing table (name checked, not trusted)."""
        if table not in self.tables():
            raise KeyError(table)
        quoted = '"' + table.replace('"', '""') + '"'
        cur = self.con.execute(f"SELECT * FROM {quoted} LIMIT ?", (int(limit),))
        cols = [d[0] for d in cur.description]
        rows = [tuple(r) for r in cur.fetchall()]
        count = int(self.con.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0])
        return cols, rows, count

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def merge_databases(sources: Sequence[str | Path], target: str | Path) -> Path:
    """Copy the suites, runs and per-epoch curves of several bench databases into a new one at ``target`` (for a
    report over several ``--db``); a run key present in several sources keeps the newest run."""
    target = Path(target)
    con = connect(target, SCHEMA)
    try:
        with writing(con, target):
            for src in sources:
                con.execute("ATTACH DATABASE ? AS src", (str(Path(src).resolve()),))  # only read from
                try:
                    con.execute("INSERT INTO suites(name, config, created) SELECT name, config, created FROM src.suites")
                    cols = [r[1] for r in con.execute("PRAGMA src.table_info(runs)") if r[1] != "id"]
                    cols = [c for c in cols if c in {r[1] for r in con.execute("PRAGMA main.table_info(runs)")}]
                    for old_id, created, key in con.execute("SELECT id, created, key FROM src.runs").fetchall():
                        mine = con.execute("SELECT id, created FROM runs WHERE key=?", (key,)).fetchone()
                        if mine is not None and mine[1] >= created:
                            continue
                        if mine is not None:
                            con.execute("DELETE FROM runs WHERE id=?", (mine[0],))
                        cur = con.execute(f"INSERT INTO runs({', '.join(cols)}) SELECT {', '.join(cols)} "
                                          "FROM src.runs WHERE id=?", (old_id,))
                        con.execute("INSERT INTO epochs(run_id, epoch, name, value) SELECT ?, epoch, name, value "
                                    "FROM src.epochs WHERE run_id=?", (cur.lastrowid, old_id))
                finally:
                    con.commit()
                    con.execute("DETACH DATABASE src")
    finally:
        con.close()
    return target
