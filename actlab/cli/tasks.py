"""`actlab tasks`: the benchmark tasks with their metric, full and small budgets, and how long a run takes here."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from actlab.cli.console import console
from actlab.cli.options import DataDir, Device


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 10 else f"{s:.0f} s" if s < 120 else f"{s / 60:.1f} min"


def _budget(b: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in b.items()) or "the task's default"


def _measure(selected: list, steps: int, force: bool) -> None:
    from actlab.bench.calibrate import calibrate

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console)
    with progress:
        bar = progress.add_task("calibrating", total=1)
        for task, opts in selected:
            for small in (False, True):
                label = f"{task.name} ({'small' if small else 'full'})"
                progress.reset(bar, description=label, total=1)

                def on_step(done: int, of: int, bar: int = bar) -> None:
                    progress.update(bar, completed=done, total=of)

                cal, new = calibrate(task, small, options=opts, steps=steps, force=force, on_step=on_step)
                progress.console.print(f"{escape(label)}: ≈{_seconds(cal.seconds)} per run ("
                                       + (f"{cal.measured_steps} of {cal.total_steps} steps timed in "
                                          f"{cal.cost:.1f} s)" if new else "cached)"), highlight=False)


def tasks_cmd(db: Annotated[Path, typer.Option("--db", help="results database whose runs give the times")]
              = Path("runs/bench.db"),
              measure: Annotated[bool, typer.Option("--measure", help="time a few steps of each task here and "
                                                    "cache the estimate (cached ones are kept)")] = False,
              tasks: Annotated[str | None, typer.Option("--tasks", "-t", help="comma-separated tasks (default: "
                                                        "all)")] = None,
              steps: Annotated[int, typer.Option("--steps", help="optimiser steps timed per task", min=2)] = 20,
              remeasure: Annotated[bool, typer.Option("--remeasure", help="with --measure: measure cached tasks "
                                                      "again")] = False,
              device: Device = None, data_dir: DataDir = None):
    """List the benchmark tasks: metric, full and small budget, and the time of one run on this machine: the mean
    of the runs in --db, else an estimate cached by `actlab tasks --measure` (a few optimiser steps of the task's
    own training, extrapolated), else "—"."""
    from actlab.bench.calibrate import cached, select
    from actlab.bench.stats import wall_times
    from actlab.tasks import get_task, table

    selected, skipped = select(tasks, device, data_dir)
    for note in skipped:
        console.print(f"[yellow]{escape(note)}[/]")
    if measure:
        _measure(selected, steps, remeasure)
    times: dict = {}
    if db.is_file() and device in (None, "cpu"):
        from actlab.store.runs import RunStore

        with RunStore(db, create=False) as store:
            times = wall_times(store.runs())
    opts = {t.name: o for t, o in selected}
    t = Table(title="benchmark tasks", caption=f"time of one run (training, data loading excluded): mean (n runs) "
              f"in {db}, else ≈ an estimate from `actlab tasks --measure`, else — (`actlab tasks --measure "
              f"--tasks NAME` estimates it in seconds)", caption_justify="left")
    for col in ("task", "metric", "full budget", "small budget (--small)", "time full", "time small"):
        t.add_column(col, overflow="fold")
    shown = {t.name for t, _ in selected} | ({get_task(n).name for n in tasks.split(",") if n.strip()}
                                             if tasks else set())
    for r in table():
        if tasks and r["name"] not in shown:
            continue
        cells = []
        for kind in ("full", "small"):
            m = times.get((r["name"], kind))
            cal = cached(get_task(r["name"]), kind == "small", opts[r["name"]]) if r["name"] in opts else None
            cells.append(f"{_seconds(m[0])} (n={m[1]})" if m else f"≈{_seconds(cal.seconds)}" if cal else "—")
        name = r["name"] + (f" ({', '.join(r['aliases'])})" if r["aliases"] else "")
        t.add_row(escape(name), f"{r['metric']} {'↑' if r['higher_is_better'] else '↓'}", escape(_budget(r["budget"])),
                  escape(_budget(r["small"])), *cells)
    console.print(t)
