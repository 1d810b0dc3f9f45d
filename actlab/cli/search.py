"""`actlab search`, `actlab search-report`, `actlab search-promote`: run, inspect and adopt activation searches."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from actlab.cli.console import console
from actlab.cli.options import CpusPerRun, DataDir, Device, GpusPerRun, Precision, RayAddress
from actlab.core.errors import ConfigError
from actlab.store.candidates import CandidateRow


def _top_table(rows: list[CandidateRow], k: int, title: str) -> Table:
    t = Table(title=title, show_lines=False)
    for col, just in (("#", "right"), ("candidate", "left"), ("value", "right"), ("cost", "right"),
                      ("origin", "left")):
        t.add_column(col, justify=just, overflow="fold")
    for r in rows[:k]:
        cost = f"{r.cost:.2f}" if r.cost is not None else "-"
        t.add_row(str(r.idx), escape(r.canonical), f"{r.value:.4f}", cost, escape(r.origin or ""))
    return t


def _seeds(text: str) -> tuple[int, ...]:
    try:
        out = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ConfigError(f"--seeds must be a comma list of integers like '0,1,2', got {text!r}") from None
    if not out:
        raise ConfigError("--seeds needs at least one seed")
    return out


def search(
    space: Annotated[str, typer.Option(help="search space: swish | graph | correction")] = "swish",
    strategy: Annotated[str, typer.Option(help="exhaustive | random | evolution")] = "evolution",
    task: Annotated[str, typer.Option(help="proxy task name (digits, mnist1d, ...) or target:<activation>")] = "digits",
    budget: Annotated[int, typer.Option(help="number of candidates to propose")] = 200,
    seed: Annotated[int, typer.Option(help="search seed (proposals are reproducible from it)")] = 0,
    db: Annotated[Path, typer.Option(help="SQLite file; rerunning the same command resumes it")] = Path(
        "runs/search.db"),
    backend: Annotated[str, typer.Option(help="local | ray")] = "local",
    workers: Annotated[int | None, typer.Option(help="parallel evaluations (default 1 local, 2 ray)")] = None,
    force: Annotated[bool, typer.Option("--force", help="discard what the database holds and start over")] = False,
    population: Annotated[int, typer.Option(help="evolution: population size P")] = 20,
    sample: Annotated[int, typer.Option(help="evolution: tournament sample size S")] = 5,
    select: Annotated[str, typer.Option(help="evolution parent choice: best | pareto (value vs cost)")] = "best",
    seeds: Annotated[str, typer.Option(help="training seeds per candidate, comma list")] = "0",
    grammar: Annotated[str | None, typer.Option(help="swish space grammar, e.g. 'unary: x, tanh; binary: add'")] = None,
    small: Annotated[bool, typer.Option("--small", help="use the task's quick budget")] = False,
    epochs: Annotated[int | None, typer.Option(help="override the task's epochs")] = None,
    cost: Annotated[str, typer.Option(help="cost measure: ops (deterministic) | time (vs ReLU)")] = "ops",
    top: Annotated[int, typer.Option(help="rows in the live top-k table")] = 8,
    quality_steps: Annotated[int, typer.Option(help="quality gate: optimiser steps of the short run (0 = off)")] = 30,
    quality_threshold: Annotated[float, typer.Option(help="quality gate: minimum metric after those steps")] = 0.2,
    device: Device = None,
    precision: Precision = None,
    data_dir: DataDir = None,
    ray_address: RayAddress = None,
    cpus_per_run: CpusPerRun = None,
    gpus_per_run: GpusPerRun = None,
):
    """Search for activation functions; progress bar plus a live table of the best candidates."""
    from actlab.cli.options import ray_options
    from actlab.train.device import check_device

    backend, ray_kw = ray_options(backend, ray_address, cpus_per_run, gpus_per_run, data_dir)
    if (device is not None or precision is not None) and backend != "ray":  # no CUDA here: exit 2 before any work
        check_device(device or "cpu", precision or "fp32")
    from actlab.bench.backends import get_backend
    from actlab.search.evaluate import make_objective
    from actlab.search.runner import run_search, top_rows

    if budget < 1:
        raise ConfigError(f"--budget must be a positive number of candidates, got {budget}")
    space_options: dict[str, Any] = {}
    if grammar is not None:
        if space != "swish":
            raise ConfigError(f"--grammar applies to the swish space only, not {space!r}")
        from actlab.search.grammar import parse_grammar

        space_options = parse_grammar(grammar)
    overrides: dict[str, Any] = {"epochs": epochs} if epochs else {}
    if not task.startswith("target:"):  # a target objective is a closed-form fit on a grid: nothing to place
        from actlab.tasks import get_task
        from actlab.tasks.runopts import preflight, run_overrides

        overrides.update(run_overrides(get_task(task), device, precision, data_dir))
        preflight(get_task(task), {**overrides, "small": small}, check_cuda=backend != "ray")
    objective = make_objective(task) if task.startswith("target:") else make_objective(
        task, overrides=overrides, small=small, quality_steps=quality_steps, quality_threshold=quality_threshold)
    opts = {"population": population, "sample": sample, "select": select} if strategy == "evolution" else {}
    be = get_backend(backend, workers, **ray_kw)
    rows: list[CandidateRow] = []
    progress = Progress(TextColumn("[bold]search[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        TextColumn("{task.fields[status]}"), console=console)
    bar = progress.add_task("search", total=budget, status="")
    counts = {"done": 0, "rejected": 0, "failed": 0, "duplicate": 0}

    with Live(Group(progress, _top_table([], top, "top candidates")), console=console, refresh_per_second=4,
              transient=False) as live:
        def on_result(row: CandidateRow, _strategy: Any) -> None:
            rows.append(replace(row))
            counts[row.status] = counts.get(row.status, 0) + 1
            progress.update(bar, advance=1, status=" ".join(f"{k}={v}" for k, v in counts.items() if v))
            live.update(Group(progress, _top_table(top_rows(rows, top), top, "top candidates")))

        try:
            res = run_search(space, strategy, objective, budget=budget, seed=seed, db=db, backend=be,
                             seeds=_seeds(seeds), cost=cost, strategy_options=opts, space_options=space_options,
                             force=force, on_result=on_result)
        except BaseException:
            if not rows:  # refused before any candidate (another space in the db, ...): no empty bar above the error
                live.update(Group(), refresh=True)
            raise
        finally:
            be.shutdown()
    console.print()
    if res.replayed:
        console.print(f"{escape(str(db))} already holds this finished search: the stored result, nothing run "
                      "(a larger --budget extends it, --force starts over)", highlight=False)
    console.print(f"{len(res.rows)} candidates in {escape(str(db))} ({res.evaluated} evaluated now, {res.reused} "
                  f"reused{', space exhausted' if res.exhausted else ''}); final population {len(res.population)}")


def search_report(
    db: Annotated[Path, typer.Option(help="search database")] = Path("runs/search.db"),
    out: Annotated[Path, typer.Option("-o", "--out", help="output directory for figures")] = Path(
        "runs/search-report"),
    top: Annotated[int, typer.Option(help="how many top candidates to show and plot")] = 8,
):
    """Plot the top functions, the Pareto front (value vs cost) and progress of a stored search."""
    from actlab.report.search_figures import plot_pareto, plot_progress, plot_top_functions
    from actlab.search.runner import load_search, top_rows

    space, settings, rows = load_search(db)
    best = top_rows(rows, top)
    out.mkdir(parents=True, exist_ok=True)
    paths = [plot_top_functions(space, best, out / "top_functions.png", k=top),
             plot_pareto(rows, out / "pareto.png", cost_label="forward+backward time ÷ ReLU" if
                         settings.get("cost") == "time" else "cost: weighted op count (ReLU = 1.7)"),
             plot_progress(rows, out / "progress.png")]
    stat: dict[str, int] = {}
    for r in rows:
        stat[r.status] = stat.get(r.status, 0) + 1
    console.print(_top_table(best, top, escape(f"{space.name} search, {len(rows)} candidates "
                                        f"({', '.join(f'{k} {v}' for k, v in sorted(stat.items()))})")))
    reasons: dict[str, int] = {}
    for r in rows:
        if r.status in ("rejected", "failed") and r.reason:
            key = re.match(r"[A-Za-z (),-]*", r.reason).group(0).strip(" (,-") or "other"
            reasons[key] = reasons.get(key, 0) + 1
    if reasons:
        console.print("rejections: " + ", ".join(f"{k} ×{v}" for k, v in sorted(reasons.items(), key=lambda t: -t[1])))
    for p in paths:
        if p is not None:
            console.print(f"wrote {p}", markup=False)


def search_promote(
    name: Annotated[str, typer.Argument(help="name of the new activation")],
    db: Annotated[Path, typer.Option(help="search database")] = Path("runs/search.db"),
    rank: Annotated[int, typer.Option(help="take the rank-th best candidate (1 = best)")] = 1,
    idx: Annotated[int | None, typer.Option(help="take candidate #idx instead of a rank")] = None,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="write a Python module that registers it")] = None,
    force: Annotated[bool, typer.Option(help="promote a candidate the search rejected or did not finish")] = False,
):
    """Turn a found candidate into a zoo spec: show it, and optionally write a module that registers it."""
    import json

    from actlab.search.promote import promote
    from actlab.search.runner import load_search, top_rows

    space, settings, rows = load_search(db)
    if idx is not None:
        pick = [r for r in rows if r.idx == idx]
        if not pick:
            raise ConfigError(f"no candidate #{idx} in {db} (it holds #0..#{len(rows) - 1})")
        row = pick[0]
        if row.status not in ("done", "duplicate") and not force:
            why = f": {row.reason}" if row.reason else ""
            raise ConfigError(f"candidate #{idx} is {row.status}{why}; pass --force to promote it anyway")
    else:
        best = top_rows(rows, rank)
        if rank < 1 or len(best) < rank:
            raise ConfigError(f"--rank {rank} is out of range: {db} has {len(top_rows(rows, 10**9))} evaluated "
                              f"candidates")
        row = best[rank - 1]
    spec = promote(row.genome, name, space=space.name, space_options=settings["space"], register_spec=False)
    console.print(f"[bold]{escape(spec.name)}[/] ({spec.family}, {spec.kind}): {escape(spec.formula)}", highlight=False)
    if spec.kind == "elementwise" and spec.latex():
        console.print(f"LaTeX: {spec.latex()}", highlight=False, markup=False)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            f'"""Activation {name!r} found by actlab search (candidate #{row.idx} of {db.name})."""\n'
            "from actlab.search import promote\n\n"
            f"SPEC = promote({json.dumps(row.genome)}, {name!r}, space={space.name!r},\n"
            f"               space_options={json.dumps(settings['space'])})\n")
        console.print(f"wrote {out}: `actlab --import {out} bench --acts {name} ...` (or import it in Python) "
                      f"registers {name!r}", markup=False, highlight=False)


def search_tune(
    template: Annotated[str, typer.Argument(help="expression with trainable scalars, e.g. 'x*sigmoid(b0*x)'")],
    task: Annotated[str, typer.Option(help="proxy task name or target:<activation>")] = "digits",
    trials: Annotated[int, typer.Option(help="optuna TPE trials")] = 20,
    seed: Annotated[int, typer.Option(help="sampler seed")] = 0,
    low: Annotated[float, typer.Option(help="lower bound of each b_i")] = -3.0,
    high: Annotated[float, typer.Option(help="upper bound of each b_i")] = 3.0,
):
    """Tune the initial values of a template's b_i with optuna (e.g. β in x·σ(βx))."""
    from actlab.search.tune import tune_template

    out = tune_template(template, task, n_trials=trials, seed=seed, low=low, high=high)
    console.print(f"best after {out['trials']} trials: " + ", ".join(f"{k}={v:.4g}" for k, v in out["params"].items())
                  + f"  value={out['value']:.4f}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("search-report")(search_report)
    app.command("search-promote")(search_promote)
    app.command("search-tune")(search_tune)
