"""`actlab tasks`: the benchmark tasks with their metric, full and small budgets, and how long a run took here."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from actlab.cli.console import console


def _seconds(v: tuple[float, int] | None) -> str:
    if v is None:
        return "—"
    s, n = v
    return (f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min") + f" (n={n})"


def _budget(b: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in b.items()) or "the task's default"


def tasks_cmd(db: Annotated[Path, typer.Option("--db", help="results database whose runs give the times")]
              = Path("runs/bench.db")):
    """List the benchmark tasks: metric, full and small budget, and the mean time of a run on this machine (from
    the runs in --db; "—" until `actlab bench` has run the task there)."""
    from actlab.bench.stats import wall_times
    from actlab.tasks import table

    times: dict = {}
    if db.is_file():
        from actlab.store.runs import RunStore

        with RunStore(db, create=False) as store:
            times = wall_times(store.runs())
    t = Table(title=f"benchmark tasks (times: mean per run in {db})" if times else
              f"benchmark tasks (no timed runs in {db} yet: `actlab bench --tasks NAME` measures them)")
    for col in ("task", "metric", "full budget", "small budget (--small)", "time full", "time small"):
        t.add_column(col, overflow="fold")
    for r in table():
        name = r["name"] + (f" ({', '.join(r['aliases'])})" if r["aliases"] else "")
        t.add_row(escape(name), f"{r['metric']} {'↑' if r['higher_is_better'] else '↓'}", escape(_budget(r["budget"])),
                  escape(_budget(r["small"])), _seconds(times.get((r["name"], "full"))),
                  _seconds(times.get((r["name"], "small"))))
    console.print(t)
