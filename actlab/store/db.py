"""SQLite connection helper shared by every store module (WAL, foreign keys, clear path errors)."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from actlab.core.errors import ActlabError, ConfigError


class StoreWriteError(ActlabError):
    """A write to a results database failed (disk full, read-only file, a lock held past the timeout). SQLite
    rolled the failed transaction back, so what was stored before is intact, and re-running resumes from it."""


TIMEOUT_S = 30.0  # how long a write waits for another process' lock before it fails

# what SQLite says → (what happened, what to do about it)
_CAUSES = (("full", "the disk is full", "free some space"),
           ("no space", "the disk is full", "free some space"),
           ("permission denied", "the file (or its folder) is not writable", "make it writable"),
           ("readonly", "the file (or its folder) is read-only", "make it writable"),
           ("read-only", "the file (or its folder) is read-only", "make it writable"),
           ("locked", "another process held a lock on it past the {timeout:g} s timeout", "stop the other writer"),
           ("busy", "another process held a lock on it past the {timeout:g} s timeout", "stop the other writer"),
           ("disk i/o", "the disk reported an I/O error", "check the disk"))
# the results tables of each area and how to count what they hold
_HELD = (("runs", "SELECT COUNT(*) FROM runs WHERE status IN ('ok', 'diverged')", "finished runs"),
         ("arith_seeds", "SELECT COUNT(*) FROM arith_seeds", "finished arithmetic seeds"),
         ("candidates", "SELECT COUNT(*) FROM candidates WHERE status != 'pending'", "evaluated candidates"))


def _held(con: sqlite3.Connection) -> str:
    """"12 finished runs" (every results table present), or "" when even reading fails."""
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        parts = [f"{con.execute(q).fetchone()[0]} {noun}" for t, q, noun in _HELD if t in tables]
    except sqlite3.Error:
        return ""
    return ", ".join(parts) or "no results yet"


def write_error(path: str | Path, err: Exception | str, con: sqlite3.Connection | None = None) -> StoreWriteError:
    """The one-line error for a failed write: the database, the cause, how much it holds (read through ``con``, or
    a read-only connection of its own), and that re-running the same command resumes."""
    text = str(err)
    what, todo = next(((w, t) for key, w, t in _CAUSES if key in text.lower()), (text, "fix the cause"))
    if con is not None:
        held = _held(con)
    else:
        try:  # immutable: a WAL database on a read-only filesystem cannot make the -shm file a normal read needs
            ro = sqlite3.connect(f"{Path(path).resolve().as_uri()}?immutable=1", uri=True)
        except sqlite3.Error:
            held = ""
        else:
            held = _held(ro)
            ro.close()
    what = what.format(timeout=TIMEOUT_S)
    return StoreWriteError(f"cannot write to the database {path}: {what} ({text}). "
                           + (f"It holds {held}, intact. " if held else "What it held before is intact. ")
                           + f"{todo[0].upper() + todo[1:]} and re-run the same command: it resumes from there")


@contextmanager
def writing(con: sqlite3.Connection, path: str | Path) -> Iterator[sqlite3.Connection]:
    """``with writing(con, path):`` is ``with con:`` (one transaction) whose failure to write (disk full,
    read-only, locked) becomes a `StoreWriteError` naming the database and what it holds."""
    try:
        with con:
            yield con
    except sqlite3.OperationalError as e:
        raise write_error(path, e, con) from None


def connect(path: str | Path, schema: str | None = None, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) a WAL-mode database at ``path`` and apply ``schema`` (idempotent DDL).

    The parent directory must exist or be creatable; otherwise a `ConfigError` names the path. ``readonly``
    opens an existing file without changing it (reports), so a wrong file is never turned into a database.
    """
    path = Path(path)
    if not readonly and str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"cannot create the database directory {path.parent}: {e.strerror}") from None
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    try:
        con = sqlite3.connect(target, uri=readonly, timeout=TIMEOUT_S)
    except sqlite3.OperationalError as e:
        raise ConfigError(f"cannot open database {path}: {e}") from None
    con.row_factory = sqlite3.Row
    setup = ("SELECT count(*) FROM sqlite_master",) if readonly else \
        ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON")
    try:  # the first statement reads the file: a text file passed as --db fails here
        for stmt in setup:
            con.execute(stmt)
        if schema and not readonly:
            con.executescript(schema)
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and any(key in str(e).lower() for key, _w, _t in _CAUSES):
            err = write_error(path, e, con)
            con.close()
            raise err from None
        con.close()
        raise ConfigError(f"{str(path)!r} is not a usable SQLite database: {e}") from None
    return con
