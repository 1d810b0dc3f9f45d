"""`actlab bench`: run a suite (activations × tasks × seeds) into SQLite, with progress bars and a ranking."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from actlab.cli.console import console
from actlab.cli.options import CpusPerRun, DataDir, Device, GpusPerRun, Precision, RayAddress


def ranking_table(db: Path, suite_id: int | None = None, baseline: str = "relu", tie_tol: float = 0.0) -> Table:
    """Mean rank over tasks, then each task's mean and 95% t-interval (the terminal twin of the report's table)."""
    import math

    from actlab.bench import stats
    from actlab.store.runs import RunStore
    from actlab.tasks.metrics import metric_range

    from actlab.report.labels import label_tasks

    with RunStore(db) as store:
        runs = label_tasks(store.runs_with_baseline(suite_id, baseline))  # the report's column names
    sums = stats.summarize(runs)
    tasks = sorted({s.task for s in sums})
    by = {(s.task, s.act): s for s in sums}
    wtl: dict[str, list[int]] = {}
    for p in stats.paired_vs_baseline(runs, baseline=baseline, tie_tol=tie_tol):
        w = wtl.setdefault(p.act, [0, 0, 0])
        w[0] += p.wins
        w[1] += p.ties
        w[2] += p.losses
    cut = sorted({s.metric for s in sums if s.clipped})
    t = Table(title="ranking: mean ± half-width of the 95% t-interval over seeds", padding=(0, 1),
              caption=("intervals marked † are cut at the metric's range (" + ", ".join(
                  f"{m} in [{metric_range(m)[0]:g}, {metric_range(m)[1]:g}]" for m in cut) + ")") if cut else None)
    t.add_column("activation", style="bold", no_wrap=True)
    t.add_column("rank", justify="right")
    for task in tasks:
        s0 = next(s for s in sums if s.task == task)
        t.add_column(f"{escape(task)}\n{s0.metric} {'↑' if s0.higher_is_better else '↓'}", justify="right",
                     min_width=10, overflow="fold")
    t.add_column("step\n/ReLU", justify="right")
    t.add_column(f"W/T/L\nvs {baseline}", justify="right")
    for act, mr, _ in stats.mean_ranks(sums):
        cells = []
        for task in tasks:
            s = by.get((task, act))
            if s is None:
                cells.append("—")
            elif not math.isfinite(s.mean):
                cells.append("[red]diverged[/]")
            else:
                spread = (f" (n={s.n})" if s.n < 2 else f" [{s.t_lo:.3g}, {s.t_hi:.3g}] †" if s.clipped
                          else f"±{(s.t_hi - s.t_lo) / 2:.1g}")
                cells.append(f"{s.mean:.3g}{spread}" + (f" [red]{s.n_diverged}div[/]" if s.n_diverged else ""))
        rels = [by[(tk, act)].rel_step_time for tk in tasks if (tk, act) in by]
        rels = [r for r in rels if math.isfinite(r)]
        rel = f"{sum(rels) / len(rels):.2f}" if rels else "—"
        w = wtl.get(act)
        t.add_row(act, f"{mr:.2f}", *cells, rel, "/".join(map(str, w)) if w else "—")
    return t


def parse_seeds(text: str | None) -> int | list[int] | None:
    """``5`` → a count (seeds 0..4); ``0,1,2`` (or ``3,`` for the one seed 3) → that list."""
    if text is None:
        return None
    try:
        if "," in text:
            return [int(p) for p in text.split(",") if p.strip()]
        return int(text)
    except ValueError:  # a usage error, as click reports a wrong type (exit 2)
        raise typer.BadParameter(f"--seeds must be a count such as 5 or a list such as 0,1,2; got {text!r}",
                                 param_hint="'--seeds'") from None


def with_budget(cfg: Any, small: bool | None, epochs: int | None) -> Any:
    """``cfg`` with --small/--full and --epochs applied to every task's budget (None leaves the suite's)."""
    from actlab.bench.config import make_config

    budget = dict(cfg.budget)
    if small is not None:
        budget.pop("small", None)
        if small:
            budget["small"] = True
    if epochs is not None:
        budget["epochs"] = epochs
    task_budget = {t: {k: v for k, v in b.items() if not (k == "epochs" and epochs is not None)}
                   for t, b in cfg.task_budget.items()}
    return make_config(cfg.model_dump() | {"budget": budget, "task_budget": task_budget})


def plan_text(cfg: Any, db: Path) -> str:
    """What `actlab bench` is about to run, printed before it runs: the suite, every activation, task (with its
    budget in epochs) and seed."""
    from actlab.tasks import get_task

    lines = [f"suite {cfg.name}: {len(cfg.acts)} activations × {len(cfg.tasks)} tasks × {len(cfg.seeds)} seeds = "
             f"{cfg.n_runs()} runs → {db}",
             f"  activations: {', '.join(cfg.acts)}",
             f"  seeds: {', '.join(map(str, cfg.seeds))}"]
    for t in cfg.tasks:
        opts = cfg.options_for(t)
        kind = "small budget" if opts.get("small") else "full budget"
        extra = {k: v for k, v in opts.items() if k != "small"}
        task = get_task(t)
        settings = getattr(task, "settings", None)
        epochs = None
        if settings is not None:
            try:
                epochs = settings(bool(opts.get("small")), **{k: v for k, v in extra.items()
                                                               if k not in ("threads", "act_params")})[0].epochs
            except Exception:  # noqa: BLE001 - the plan is informative; validate_names already checked options
                epochs = None
        shown = ", ".join(f"{k}={v}" for k, v in sorted(extra.items()) if k != "epochs")
        lines.append(f"  task {t}: {kind}" + (f", {epochs} epochs" if epochs is not None else "")
                     + (f", {shown}" if shown else ""))
    return "\n".join(lines)


def bench(
    suite: Annotated[str | None, typer.Option("--suite", "-s", help="quick | standard | headline | a .yaml/.toml/"
                                              ".json file (default: quick, refined by --acts/--tasks/--seeds, "
                                              "unless both --acts and --tasks are given)")]
    = None,
    acts: Annotated[str | None, typer.Option("--acts", "-a", help="comma-separated activations")] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", "-t", help="comma-separated tasks")] = None,
    seeds: Annotated[str | None, typer.Option("--seeds", help="a count (5 = seeds 0..4) or a list (0,1,2; one "
                                              "seed: 3,)")] = None,
    small: Annotated[bool | None, typer.Option("--small/--full", help="each task's short budget, or its full one "
                                               "(default: the suite's: small for quick, full otherwise)")] = None,
    epochs: Annotated[int | None, typer.Option("--epochs", help="train every run for N epochs (on top of the "
                                               "budget)", min=1)] = None,
    db: Annotated[Path, typer.Option("--db", help="results database (SQLite)")] = Path("runs/bench.db"),
    backend: Annotated[str | None, typer.Option("--backend", help="in-process when omitted; local | ray")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="parallel runs (> 1 implies --backend local)")]
    = None,
    report: Annotated[Path | None, typer.Option("--report", help="also write the HTML report to this directory")]
    = None,
    baseline: Annotated[str | None, typer.Option("--baseline", help="activation to compare against")] = None,
    device: Device = None,
    precision: Precision = None,
    data_dir: DataDir = None,
    ray_address: RayAddress = None,
    cpus_per_run: CpusPerRun = None,
    gpus_per_run: GpusPerRun = None,
    rerun: Annotated[bool, typer.Option("--rerun", help="run the selected runs again even if --db has them; the "
                                        "old rows stay, marked superseded")] = False,
):
    """Run every (activation, task, seed) of a suite once; runs already in --db are skipped (resume).

    A run is "already in --db" when its task, budget, seed and activation definition match; for activations
    from plugins (--import) that includes the code of their function, so an edited activation runs again."""
    from actlab.bench.config import resolve_suite, validate_names, with_run_options
    from actlab.bench.runner import check_writable, run_suite
    from actlab.train.device import check_device

    on_ray = backend == "ray" or ray_address is not None  # devices are the workers' business there
    if (device is not None or precision is not None) and not on_ray:  # no CUDA here: exit 2 before any work
        check_device(device or "cpu", precision or "fp32")
    if suite is None and (acts is None or tasks is None):
        suite = "quick"  # flags given without a suite refine the demo suite
    cfg = resolve_suite(suite, acts=acts, tasks=tasks, seeds=parse_seeds(seeds), backend=backend, workers=workers,
                        baseline=baseline, ray_address=ray_address, cpus_per_run=cpus_per_run,
                        gpus_per_run=gpus_per_run)
    cfg = with_budget(cfg, small, epochs)
    cfg = with_run_options(cfg, device, precision, data_dir)
    cfg = validate_names(cfg)  # bad names and paths fail before any output (the runner checks again)
    check_writable(db, "database path")
    if report is not None:
        check_writable(report, "output directory", is_dir=True)
    console.print(plan_text(cfg, db), highlight=False)

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                        console=console, transient=False)
    suite_bar = progress.add_task("suite", total=cfg.n_runs())
    run_bars: dict[str, Any] = {}  # one bar per run in flight (several with --backend and --workers)

    def on_event(kind: str, **info: Any) -> None:
        if kind == "suite_start":
            progress.update(suite_bar, completed=info["skipped"],
                            description=f"suite ({info['skipped']} already in db)" if info["skipped"] else "suite")
        elif kind == "run_start":
            s = info["spec"]
            run_bars[s.key] = progress.add_task(f"{s.task} · {s.act} · seed {s.seed}", total=1)
        elif kind == "run_progress":
            ev, bar = info["event"], run_bars.get(info["spec"].key)
            total = getattr(ev, "total_steps", None)
            if bar is not None and total:
                progress.update(bar, total=total, completed=getattr(ev, "step", 0))
        elif kind == "run_end":
            progress.advance(suite_bar)
            s = info["spec"]
            bar = run_bars.pop(s.key, None)
            if bar is not None:
                progress.remove_task(bar)
            res, err = info.get("result") or {}, info.get("error")
            if err:
                progress.console.print(f"[red]failed[/] {s.task} {s.act} seed {s.seed}: {escape(err.splitlines()[0])}")
            elif res.get("diverged"):
                progress.console.print(f"[yellow]diverged[/] {s.task} {s.act} seed {s.seed}"
                                       f" {escape(str(res.get('diverged_reason', '')))}")

    outputs = [report] if report is not None else []
    with progress:
        # a backend runs when asked for on the command line or in the suite file (or implied by workers > 1)
        pooled = backend is not None or cfg.backend != "local" or (cfg.workers or 1) > 1
        res = run_suite(cfg, db, backend=cfg.backend if pooled else None,
                        on_event=on_event, outputs=outputs, progress=True, rerun=rerun)
    console.print(f"{len(res.executed)} runs done, {len(res.skipped)} skipped (already in db), "
                  f"{len(res.diverged)} diverged, {len(res.errors)} failed, in {res.wall_time:.1f} s")
    console.print(ranking_table(db, res.suite_id, baseline=cfg.baseline, tie_tol=cfg.tie_tol))
    from actlab.cli.costs import cost_table

    console.print(cost_table(db, res.suite_id, baseline=cfg.baseline))
    if report is not None:
        from actlab.report.html import write_report

        index = write_report(db, report, suite_id=res.suite_id, baseline=cfg.baseline, tie_tol=cfg.tie_tol)
        console.print(f"report: {index.resolve()}", markup=False)


def register(app: typer.Typer) -> None:
    from actlab.cli.tasks import tasks_cmd

    app.command()(bench)
    app.command("tasks")(tasks_cmd)
