"""`Record`: the base of actlab's flat result dataclasses (`RunRecord`, `CandidateRow`).

A record is a `@dataclass` whose fields are its typed columns; code reads it by attribute (``rec.value``). Where a
dict is needed (JSON, SQLite, a worker's pickled reply) the store boundary calls `to_row` / `from_row`.

Compatibility shim: a record also reads like a read-only mapping of its fields (``rec["value"]``, ``set(rec)``,
``dict(rec)``, ``rec.get("cost")``), because records were plain dicts before and scripts and tests index them.
New code should use attributes.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record(Mapping[str, Any]):
    """Mixin for a dataclass: `to_row`/`from_row` at the store boundary, read-only mapping access for old code."""

    __slots__ = ()

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]

    def to_row(self) -> dict[str, Any]:
        """The fields as a plain dict (shallow: nested lists and dicts are the record's own)."""
        return {name: getattr(self, name) for name in self.field_names()}

    @classmethod
    def from_row(cls: type[R], row: Mapping[str, Any]) -> R:
        """A record from a dict holding (at least) its required fields; keys that are not fields are ignored."""
        names = set(cls.field_names())
        return cls(**{k: v for k, v in row.items() if k in names})

    # -- read-only mapping view (compatibility) ----------------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        if key not in self.field_names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.field_names())

    def __len__(self) -> int:
        return len(self.field_names())
