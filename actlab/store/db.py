"""SQLite connection helper shared by every store module (WAL, foreign keys, clear path errors)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from actlab.core.errors import ConfigError


def connect(path: str | Path, schema: str | None = None, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) a WAL-mode database at ``path`` and apply ``schema`` (idempotent DDL).

    The parent directory must exist or be creatable; otherwise a `ConfigError` names the path. ``readonly``
    opens an existing file without changing it (reports), so a wrong file is never turned into a database.
    """
    path = Path(path)
    if readonly:
        try:
            con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
            con.row_factory = sqlite3.Row
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as e:
            raise ConfigError(f"{str(path)!r} is not a usable SQLite database: {e}") from None
        return con
    if str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"cannot create the database directory {path.parent}: {e.strerror}") from None
    try:
        con = sqlite3.connect(str(path), timeout=30.0)
    except sqlite3.OperationalError as e:
        raise ConfigError(f"cannot open database {path}: {e}") from None
    con.row_factory = sqlite3.Row
    try:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA foreign_keys=ON")
        if schema:
            con.executescript(schema)
    except sqlite3.DatabaseError as e:  # e.g. a text file passed as --db
        con.close()
        raise ConfigError(f"{str(path)!r} is not a usable SQLite database: {e}") from None
    return con
