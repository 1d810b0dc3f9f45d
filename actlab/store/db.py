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
    if not readonly and str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"cannot create the database directory {path.parent}: {e.strerror}") from None
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    try:
        con = sqlite3.connect(target, uri=readonly, timeout=30.0)
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
        con.close()
        raise ConfigError(f"{str(path)!r} is not a usable SQLite database: {e}") from None
    return con
