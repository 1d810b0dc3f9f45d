"""The task registry: `register_task`, `get_task`, `names` (aliases resolve; unknown names get suggestions)."""
from __future__ import annotations

from actlab.core.errors import UnknownNameError
from actlab.tasks.base import Task

_TASKS: dict[str, Task] = {}
_ALIASES: dict[str, str] = {}


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def register_task(task: Task) -> Task:
    """Add a task; its name and aliases must be new."""
    for n in (task.name, *task.aliases):
        if _key(n) in _TASKS or _key(n) in _ALIASES:
            raise ValueError(f"task name {n!r} is already registered")
    _TASKS[_key(task.name)] = task
    for a in task.aliases:
        _ALIASES[_key(a)] = _key(task.name)
    return task


def get_task(name: str | Task) -> Task:
    """The task for a name or alias; unknown names raise `UnknownNameError("task", ...)`."""
    if isinstance(name, Task):
        return name
    k = _key(str(name))
    k = _ALIASES.get(k, k)
    if k not in _TASKS:
        raise UnknownNameError("task", str(name), list(_TASKS) + list(_ALIASES))
    return _TASKS[k]


def names(tag: str | None = None) -> list[str]:
    """Registered task names (no aliases), sorted; optionally only those carrying ``tag``."""
    return sorted(t.name for t in _TASKS.values() if tag is None or tag in t.tags)


def aliases() -> dict[str, str]:
    return {a: _TASKS[k].name for a, k in _ALIASES.items()}


def table() -> list[dict[str, object]]:
    """One JSON-friendly row per task (for listings and reports): name, aliases, description, metric,
    direction, default budget, small-mode overrides, default seeds, tags."""
    rows = []
    for n in names():
        t = _TASKS[_key(n)]
        rows.append({"name": t.name, "aliases": list(t.aliases), "description": t.description, "metric": t.metric,
                     "higher_is_better": t.higher_is_better, "budget": dict(t.budget), "small": dict(t.small),
                     "seeds": list(t.seeds), "tags": list(t.tags)})
    return rows
