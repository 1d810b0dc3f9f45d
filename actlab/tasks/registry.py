"""The task registry: `register_task`, `get_task`, `names` (aliases resolve; unknown names get suggestions).

Task modules register their tasks when `actlab.tasks` imports them; this module never imports them.
"""
from __future__ import annotations

from actlab.core.named_registry import Registry
from actlab.tasks.base import Task

TASKS: Registry[Task] = Registry("task", helpers=(__name__,))


def register_task(task: Task, replace: bool = False) -> Task:
    """Add a task; its name and aliases must be new (unless ``replace=True`` replaces a task of the same name)."""
    return TASKS.add(task.name, task, aliases=task.aliases, replace=replace, tags=tuple(task.tags),
                     metric=task.metric)


def unregister_task(name: str) -> Task:
    """Remove a task (by name or alias) with its aliases; return it."""
    return TASKS.remove(name).value


def get_task(name: str | Task) -> Task:
    """The task for a name or alias; unknown names raise `UnknownNameError("task", ...)`."""
    if isinstance(name, Task):
        return name
    return TASKS.get(str(name))


def names(tag: str | None = None) -> list[str]:
    """Registered task names (no aliases), sorted; optionally only those carrying ``tag``."""
    return sorted(t.name for t in TASKS.values() if tag is None or tag in t.tags)


def aliases() -> dict[str, str]:
    return TASKS.aliases()


def table() -> list[dict[str, object]]:
    """One JSON-friendly row per task (for listings and reports): name, aliases, description, metric,
    direction, default budget, small-mode overrides, default seeds, tags."""
    rows = []
    for n in names():
        t = TASKS.get(n)
        rows.append({"name": t.name, "aliases": list(t.aliases), "description": t.description, "metric": t.metric,
                     "higher_is_better": t.higher_is_better, "budget": dict(t.budget), "small": dict(t.small),
                     "seeds": list(t.seeds), "tags": list(t.tags)})
    return rows
