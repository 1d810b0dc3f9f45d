"""`actlab infoplane` and `actlab signal`: information-plane runs and signal-propagation figures."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

import actlab
from actlab.cli.console import console


def infoplane(act: Annotated[str, typer.Option("--act", "-a", help="activation name")] = "tanh",
              estimator: Annotated[str, typer.Option("--estimator", "-e",
                                                     help="binning | adaptive | kde_upper | kde_lower | ksg")]
              = "binning",
              repeats: Annotated[int, typer.Option(help="independent networks")] = 5,
              epochs: Annotated[int, typer.Option(help="training epochs")] = 2000,
              n_sampled: Annotated[int, typer.Option("--samples", help="log-spaced epochs to measure")] = 80,
              lr: Annotated[float, typer.Option(help="Adam learning rate")] = 4e-4,
              seed: Annotated[int, typer.Option(help="seed of the first repeat")] = 0,
              out: Annotated[Path, typer.Option("-o", "--out", help="output dir (cache + figures)")] = Path("runs"),
              fresh: Annotated[bool, typer.Option("--fresh", help="ignore a cached result")] = False,
              device: Annotated[str, typer.Option("--device", help="cpu | cuda | cuda:N (training)")] = "cpu"):
    """Train the 12-10-7-5-4-3-2 net and draw its information plane (cached: re-running only redraws)."""
    from actlab.analysis.infoplane import InfoPlaneConfig, run_infoplane
    from actlab.report.analysis_figures import plot_infoplane
    from actlab.train.device import check_device

    device = check_device(device)  # no CUDA here: exit 2 before any work
    cfg = InfoPlaneConfig(act=act, estimator=estimator, repeats=repeats, epochs=epochs, n_sampled=n_sampled,
                          lr=lr, seed=seed, device=device)
    with Progress(TextColumn(f"[bold]infoplane {cfg.act}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("repeats"), console=console, transient=True) as prog:
        bar = prog.add_task("mi", total=repeats)
        res = run_infoplane(cfg, out, reuse=not fresh, progress=lambda d, n: prog.update(bar, completed=d))
    # a predictable name (the cache key's hash stays in the cache files): the same command redraws the same file
    path = plot_infoplane(res, out / f"infoplane-{cfg.act}-{cfg.estimator}.png")
    t = Table(title=f"{escape(cfg.act)} / {escape(estimator)}: last sampled epoch (mean of {repeats})")
    for col in ("layer", "I(X;T)", "I(T;Y)", "compression"):
        t.add_column(col, justify="right")
    comp = res.compression()
    for j in range(res.ixt.shape[2]):
        t.add_row(str(j + 1), f"{res.ixt[:, -1, j].mean():.3f}", f"{res.ity[:, -1, j].mean():.3f}",
                  f"{comp[j]:.3f}")
    console.print(t)
    note = negative_note(estimator, [res.ixt[:, -1].mean(0), res.ity[:, -1].mean(0)])
    if note:
        console.print(f"[yellow]note:[/] {note}")
    console.print(f"train acc {res.train_acc[:, -1].mean():.3f}, test acc {res.test_acc[:, -1].mean():.3f}; "
                  f"wrote {path}")


def negative_note(estimator: str, values) -> str | None:
    """What a negative mutual-information estimate means, when one is printed (only KSG can give one)."""
    import numpy as np

    low = min((float(np.min(v)) for v in values), default=0.0)
    if low >= 0:
        return None
    if estimator == "ksg":
        return (f"negative estimates (down to {low:.3f} bits): KSG is not a bound and is biased near zero, so a value "
                "within a few hundredths of 0 means no detectable information, not less than none")
    return f"negative estimates (down to {low:.3f} bits) from {estimator}: treat them as 0"


def signal(names: Annotated[list[str], typer.Argument(help="activation names")],
           out: Annotated[Path, typer.Option("-o", "--out", help="output dir")] = Path("signal"),
           sigma_w: Annotated[float, typer.Option(help="weight std for the variance map")] = 1.0,
           sigma_b: Annotated[float, typer.Option(help="bias std")] = 0.05**0.5):
    """Variance map, χ₁ curve and dual kernels of the given activations, as PNG files."""
    from actlab.analysis.signal import moment_fixed_point
    from actlab.report.analysis_figures import plot_chi1, plot_dual_kernels, plot_variance_map

    for n in names:
        actlab.get(n)  # unknown names fail before any figure is drawn
    paths = [plot_variance_map(names, out / "variance_map.png", sigma_w, sigma_b),
             plot_chi1(names, out / "chi1.png", sigma_b),
             plot_dual_kernels(names, out / "dual_kernels.png")]
    t = Table(title="moment-map fixed point (ω = 0, τ = 1)")
    for col in ("activation", "mean", "var"):
        t.add_column(col)
    for n in names:
        try:
            m, v = moment_fixed_point(n)
            t.add_row(n, f"{m:.4f}", f"{v:.4f}")
        except actlab.ActlabError:
            t.add_row(n, "—", "none")
    console.print(t)
    for p in paths:
        console.print(f"wrote {p}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("infoplane")(infoplane)
    app.command("signal")(signal)
