"""`actlab arith`: run the arithmetic-extrapolation benchmark, print a Rich table, write a plot."""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.markup import escape
from rich.table import Table

from actlab.cli.console import console
from actlab.cli.options import CpusPerRun, GpusPerRun, RayAddress, ray_options
from actlab.core.errors import ParameterError


def _count(name: str, text: str) -> int:
    """Parse counts such as ``5e6`` or ``100000`` (never eval)."""
    try:
        v = float(text)
    except ValueError:
        raise ParameterError(f"{name} must be a number such as 100 or 5e6, got {text!r}") from None
    if not math.isfinite(v) or v < 1 or not v.is_integer():
        raise ParameterError(f"{name} must be a whole number >= 1, got {text!r}")
    return int(v)


def _fmt(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{100 * v:.0f}%" if pct else f"{v:.2g}"


def arith(ops: Annotated[str, typer.Option(help="comma-separated ops: add,sub,mul,div,square,sqrt")] = "mul,add,sub",
          units: Annotated[str, typer.Option(help="comma-separated units: nmu,nau,nac,nac_mul,nalu,nalu_sep,linear "
                                                  "or any zoo activation")] = "nmu,nau,nalu,nac,linear,relu",
          seeds: Annotated[str, typer.Option(help="number of seeds")] = "100",
          iterations: Annotated[str, typer.Option(help="iterations per seed, e.g. 5e6")] = "5e6",
          db: Annotated[Path, typer.Option(help="SQLite file (resumable)")] = Path("runs/arith.db"),
          plot: Annotated[Path | None, typer.Option(help="figure path (default: next to the db)")] = None,
          task: Annotated[str, typer.Option(help="task preset: static (the paper's default) or simple "
                                                 "(t = (x1+x2+x3+x4)·(x1+x2), 4 inputs)")] = "static",
          input_size: Annotated[int | None, typer.Option(help="n (default: the task's, 100 for static)")] = None,
          subset_ratio: Annotated[float | None, typer.Option(help="default 0.25")] = None,
          overlap_ratio: Annotated[float | None, typer.Option(help="default 0.5")] = None,
          interpolation: Annotated[str, typer.Option(help="lo,hi of the training range")] = "1,2",
          extrapolation: Annotated[str, typer.Option(help="lo,hi of the test range")] = "2,6",
          hidden: Annotated[int, typer.Option()] = 2,
          eval_every: Annotated[int, typer.Option(help="evaluate every N iterations")] = 1000,
          eval_size: Annotated[int, typer.Option(help="validation/test samples")] = 10_000,
          ramp_scale: Annotated[float, typer.Option(help="multiply the regulariser ramps' start and end (1 = paper: "
                                                        "NAU 5e3→5e4, NMU 1e6→2e6 iterations); short budgets "
                                                        "need e.g. iterations/5e6, or the ramp never starts")] = 1.0,
          seed_batch: Annotated[int | None, typer.Option(help="seeds per batched model (default all)")] = None,
          stream: Annotated[str, typer.Option(help="per-seed sample stream: pcg64 (NumPy) or xoshiro (compiled once "
                                                   "with the system C compiler, ~8x cheaper)")] = "pcg64",
          shared_data: Annotated[bool, typer.Option(help="all seeds of a batch see one input stream (a protocol "
                                                         "change: stored as its own run)")] = False,
          stop_when_solved: Annotated[int, typer.Option(help="K > 0: a seed stops after K evaluations in a row "
                                                             "below the success threshold (0 = off)")] = 0,
          engine: Annotated[str, typer.Option(help="fast or reference (same results; reference is the original "
                                                   "per-parameter path)")] = "fast",
          device: Annotated[str, typer.Option("--device", help="cpu (the seed-batched engine runs on the CPU "
                                              "only)")] = "cpu",
          backend: Annotated[str | None, typer.Option("--backend", help="in-process when omitted; local | ray: "
                                                      "(op, unit, seed batch) jobs spread over workers")] = None,
          workers: Annotated[int | None, typer.Option("--workers", help="jobs at once (> 1 implies --backend "
                                                      "local)")] = None,
          ray_address: RayAddress = None,
          cpus_per_run: CpusPerRun = None,
          gpus_per_run: GpusPerRun = None):
    """Train arithmetic units on the static arithmetic task (Madsen & Johansen 2020) and tabulate success."""
    from actlab.train.device import check_device

    if check_device(device) != "cpu":  # no CUDA here: exit 2 "CUDA is not available" before any work
        raise ParameterError(f"--device {device}: the arithmetic trainer (seed-batched, CPU sample streams) runs on "
                             "the CPU only; use --device cpu")
    from actlab.arith.batched import unit_name
    from actlab.arith.run import run
    from actlab.arith.task import ArithTask, op_name
    from actlab.bench.runner import check_writable
    from actlab.report._mpl import check_figure_path
    from actlab.report.arith_figures import plot_success

    n_seeds, n_its = _count("--seeds", seeds), _count("--iterations", iterations)

    def pair(name: str, text: str) -> tuple[float, float]:
        parts = text.split(",")
        try:
            lo, hi = (float(p) for p in parts)
        except ValueError:
            raise ParameterError(f"{name} must be 'lo,hi', got {text!r}") from None
        return lo, hi

    op_list = [op_name(o) for o in ops.split(",") if o.strip()]
    unit_list = [unit_name(u) for u in units.split(",") if u.strip()]
    task_opts = {"interpolation_range": pair("--interpolation", interpolation),
                 "extrapolation_range": pair("--extrapolation", extrapolation)}
    for k, v in (("input_size", input_size), ("subset_ratio", subset_ratio), ("overlap_ratio", overlap_ratio)):
        if v is not None:  # only the given ones override the task preset
            task_opts[k] = v
    for op in op_list:  # every bad argument fails before the progress bar appears
        ArithTask.named(task, op, **task_opts)
    if not op_list or not unit_list:
        raise ParameterError(f"--ops and --units must each name at least one entry, got {ops!r} and {units!r}")
    for name, v in (("--hidden", hidden), ("--eval-every", eval_every), ("--eval-size", eval_size)):
        if v < 1:
            raise ParameterError(f"{name} must be >= 1, got {v}")
    out = check_figure_path(plot if plot is not None else Path(db).with_suffix(".png"))
    check_writable(out, "--plot")
    check_writable(db, "--db")
    from actlab.arith.budget import RampWarning, ramp_notes
    from actlab.arith.trainer import TrainConfig

    protocol = {"stream": stream, "shared_data": shared_data, "stop_when_solved": stop_when_solved, "engine": engine}
    TrainConfig(**protocol)  # names a bad --stream/--engine/--stop-when-solved before any training
    for note in ramp_notes(unit_list, TrainConfig(iterations=n_its, ramp_scale=ramp_scale), "--ramp-scale {:.3g}"):
        console.print(f"[yellow]warning:[/] {escape(note)}")
    backend, ray_kw = ray_options(backend or ("local" if (workers or 1) > 1 else None), ray_address, cpus_per_run,
                                  gpus_per_run)
    be = None
    if backend is not None:
        from actlab.bench.backends import get_backend

        be = get_backend(backend, workers, **ray_kw)  # a bad address or a node mismatch fails before training
    total = len(op_list) * len(unit_list) * n_seeds * n_its
    with warnings.catch_warnings(), Progress(TextColumn("[bold]arith"), BarColumn(), MofNCompleteColumn(), TextColumn("seed-iterations"),
                  TimeRemainingColumn(), console=console) as prog:
        bar = prog.add_task("train", total=total)
        warnings.simplefilter("ignore", RampWarning)  # printed above, in the CLI's words
        try:
            rows = run(op_list, unit_list, seeds=n_seeds, iterations=n_its, db=db, seed_batch=seed_batch,
                       progress=lambda k: prog.advance(bar, k), task=task, **task_opts, hidden=hidden,
                       eval_every=eval_every, eval_size=eval_size, ramp_scale=ramp_scale, backend=be, **protocol)
        finally:
            if be is not None:
                be.shutdown()
    t = Table(title=f"arithmetic extrapolation — {n_seeds} seeds × {n_its:g} iterations")
    for col in ("op", "unit", "success", "95% CI", "solved at (median)", "sparsity error", "diverged"):
        t.add_column(col, justify="left" if col in ("op", "unit") else "right")
    for r in rows:
        t.add_row(r["op"], r["unit"], _fmt(r["success_rate"], True),
                  f"{_fmt(r['ci_low'], True)}–{_fmt(r['ci_high'], True)}", _fmt(r["converged_at_median"]),
                  _fmt(r["sparsity_error"]), str(r["diverged"]))
    console.print(t)
    console.print(f"wrote {plot_success(rows, out)}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(arith)
