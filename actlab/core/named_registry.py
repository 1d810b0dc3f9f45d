"""`Registry[T]`: the one shape of every "named thing a user picks" (activations, tasks, KAN bases, search spaces,
search strategies, execution backends, arithmetic units).

A registry maps normalised names (``" Leaky-ReLU "`` → ``leaky_relu``) and aliases to entries. Each entry keeps
the registered value, its aliases, the module that registered it, and its capabilities as plain data (``meta``),
so listings, the CLI, docs and tests read them instead of keeping their own lists. A registry never imports its
plugins: a package registers its built-ins from its own ``__init__`` (or one registration module), third-party
code through the same call.

>>> from actlab.core.named_registry import Registry
>>> colours = Registry[str]("colour")
>>> colours.add("dark-red", "#8b0000", aliases=("maroon",), warm=True)
'#8b0000'
>>> colours.get("Maroon"), colours.meta("dark_red")["warm"]
('#8b0000', True)
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from actlab.core.errors import ActlabError, ParameterError, UnknownNameError

T = TypeVar("T")


def normalise(name: str) -> str:
    """The lookup key of a name: stripped, lower case, ``-`` as ``_``."""
    return name.strip().lower().replace("-", "_")


class DuplicateNameError(ActlabError, ValueError):
    """A name or alias that another entry of the same registry already holds (``replace=True`` overrides one's own
    name); the message names the module that registered the existing entry."""

    def __init__(self, kind: str, name: str, holder: str, module: str):
        self.kind, self.name, self.holder, self.module = kind, name, holder, module
        held = "" if normalise(holder) == normalise(name) else f" (as an alias of {holder!r})"
        super().__init__(f"{kind} name {name!r} is already registered{held} by module {module}; pick another name, "
                         f"unregister it first, or pass replace=True to replace an entry of the same name")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered thing: its canonical name, the value, aliases, the registering module and capabilities."""

    name: str
    value: T
    aliases: tuple[str, ...] = ()
    module: str = "?"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """A JSON-friendly listing row: name, aliases, module, then the capabilities."""
        return {"name": self.name, "aliases": list(self.aliases), "module": self.module, **dict(self.meta)}


class Registry(Generic[T]):
    """Names (normalised) and aliases → entries, with duplicate refusal and suggestions for unknown names.

    ``kind`` is the word errors use ("activation", "KAN basis", ...). ``helpers`` are modules whose frames are
    skipped when recording which module registered an entry (registration helpers such as a ``define()``).
    """

    def __init__(self, kind: str, helpers: tuple[str, ...] = ()):
        self.kind = kind
        self._helpers = frozenset((__name__, *helpers))
        self._entries: dict[str, Entry[T]] = {}
        self._aliases: dict[str, str] = {}

    # -- registration ------------------------------------------------------------------------------------------
    def add(self, name: str, value: T, *, aliases: tuple[str, ...] | list[str] = (), replace: bool = False,
            module: str | None = None, **meta: Any) -> T:
        """Register ``value`` under ``name`` (and ``aliases``); return ``value``.

        Every name and alias must be new, except that ``replace=True`` replaces the entry registered under the
        same canonical ``name`` (its old aliases go with it). Extra keywords are the entry's capabilities.
        """
        if not isinstance(name, str) or not normalise(name):
            raise ParameterError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        key = normalise(name)
        old = self._entries.get(key) if replace else None
        for n in (name, *aliases):
            k = normalise(n)
            holder = self._entries.get(k) or self._entries.get(self._aliases.get(k, ""))
            if holder is not None and holder is not old:
                raise DuplicateNameError(self.kind, n, holder.name, holder.module)
        if old is not None:
            self.remove(key)
        entry = Entry(name, value, tuple(aliases), module or self._caller(),
                      MappingProxyType(dict(meta)))
        self._entries[key] = entry
        for a in aliases:
            self._aliases[normalise(a)] = key
        return value

    def register(self, name: str | None = None, **kw: Any) -> Callable[[T], T]:
        """Decorator form of `add`: ``@REG.register("name", aliases=(...), grid=True)`` (name defaults to the
        value's ``name`` attribute)."""

        def deco(value: T) -> T:
            kw.setdefault("module", self._caller())
            return self.add(name if name is not None else value.name, value, **kw)  # type: ignore[attr-defined]

        return deco

    def remove(self, name: str) -> Entry[T]:
        """Unregister the entry that ``name`` (or one of its aliases) resolves to; return it."""
        entry = self.entry(name)
        key = normalise(entry.name)
        del self._entries[key]
        for a in [a for a, k in self._aliases.items() if k == key]:
            del self._aliases[a]
        return entry

    def _caller(self) -> str:
        # the first frame outside registration helpers (a helper module's own top level counts as outside)
        f = sys._getframe(1)
        while f is not None and f.f_globals.get("__name__") in self._helpers and f.f_code.co_name != "<module>":
            f = f.f_back
        return f.f_globals.get("__name__", "?") if f is not None else "?"

    # -- lookup ------------------------------------------------------------------------------------------------
    def resolve(self, name: str) -> str | None:
        """The canonical key ``name`` or an alias of it maps to, or None."""
        if not isinstance(name, str):
            return None
        k = normalise(name)
        k = self._aliases.get(k, k)
        return k if k in self._entries else None

    def entry(self, name: str) -> Entry[T]:
        """The entry for a name or alias; unknown names raise `UnknownNameError` with close matches."""
        k = self.resolve(name)
        if k is None:
            raise UnknownNameError(self.kind, str(name), self.choices())
        return self._entries[k]

    def get(self, name: str) -> T:
        return self.entry(name).value

    def meta(self, name: str) -> Mapping[str, Any]:
        return self.entry(name).meta

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        """Canonical names in registration order (like a dict's keys; `names` sorts)."""
        return iter([e.name for e in self._entries.values()])

    # -- listing -----------------------------------------------------------------------------------------------
    def names(self, **where: Any) -> list[str]:
        """Canonical names (no aliases), sorted; ``where`` keeps entries whose capabilities equal the given
        values (``BASES.names(grid=True)``)."""
        return sorted(e.name for e in self._entries.values()
                      if all(e.meta.get(k) == v for k, v in where.items()))

    def values(self) -> list[T]:
        """The registered values in registration order."""
        return [e.value for e in self._entries.values()]

    def entries(self) -> list[Entry[T]]:
        """Entries sorted by name."""
        return [self._entries[normalise(n)] for n in self.names()]

    def aliases(self) -> dict[str, str]:
        """alias key → canonical name."""
        return {a: self._entries[k].name for a, k in self._aliases.items()}

    def choices(self) -> list[str]:
        """Every accepted spelling (normalised names and aliases), for error messages."""
        return list(self._entries) + list(self._aliases)

    def table(self) -> list[dict[str, Any]]:
        """One JSON-friendly row per entry (name, aliases, module, capabilities), sorted by name."""
        return [e.row() for e in self.entries()]

    # -- tests -------------------------------------------------------------------------------------------------
    @contextmanager
    def scratch(self) -> Iterator[Registry[T]]:
        """Within the block, registrations and removals are undone afterwards (for tests and throwaway plugins)."""
        entries, aliases = dict(self._entries), dict(self._aliases)
        try:
            yield self
        finally:
            self._entries.clear()
            self._entries.update(entries)
            self._aliases.clear()
            self._aliases.update(aliases)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self)} entries)"
