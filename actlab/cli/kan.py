"""`actlab kan-fit` (the KAN paper's toy fit) and `actlab kan-plot` (every edge of a trained KAN to PNG)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from actlab.cli.console import console
from actlab.core.errors import ParameterError


def _widths(text: str) -> list[int]:
    try:
        return [int(w) for w in text.replace(" ", "").split(",") if w]
    except ValueError:
        raise ParameterError(f"--widths must be comma-separated integers like 2,5,1, got {text!r}") from None


def _toy(widths: list[int], basis: str, grid: int, steps: int, seed: int, lamb: float, refine: int | None):
    import torch

    from actlab.kan import KAN, create_dataset, fit, toy_function

    if widths[0] != 2 or widths[-1] != 1:
        raise ParameterError(f"the toy target f(x, y) = exp(sin(πx) + y²) needs widths 2,...,1, got {widths}")
    # a tiny model: extra threads only fight over the cores (measured 20x slower with 2 threads on a busy VM)
    torch.set_num_threads(1)
    ds = create_dataset(toy_function, 2, seed=seed)
    from actlab.kan.basis import BASES

    opts = {"grid": grid} if BASES.meta(basis)["grid"] else {}
    model = KAN(widths, basis=basis, seed=seed, **opts).double()
    rows = []
    with console.status(f"fitting KAN {widths} ({basis}) with LBFGS, {steps} steps"):
        r = fit(model, ds, steps=steps, lamb=lamb)
        rows.append((f"{basis} G={grid}", r))
        if refine:
            model.refine(refine, ds["train_input"])
            r = fit(model, ds, steps=steps)
            rows.append((f"refined G={refine}", r))
    t = Table(title="KAN toy fit: exp(sin(πx) + y²)  (RMSE, pykan's convention)")
    for col in ("stage", "train RMSE", "test RMSE", "seconds"):
        t.add_column(col)
    for name, r in rows:
        t.add_row(name, f"{r.train_loss[-1]:.3e}", f"{r.test_loss[-1]:.3e}", f"{r.seconds:.1f}")
    console.print(t)
    return model, ds


def kan_fit(widths: Annotated[str, typer.Option(help="layer widths, e.g. 2,5,1")] = "2,5,1",
            basis: Annotated[str, typer.Option(help="KAN basis (see actlab.kan.basis_names())")] = "bspline",
            grid: Annotated[int, typer.Option(help="grid intervals (spline bases)")] = 5,
            steps: Annotated[int, typer.Option(help="LBFGS steps")] = 20,
            lamb: Annotated[float, typer.Option(help="pykan regularisation weight")] = 0.0,
            refine: Annotated[int | None, typer.Option(help="grid extension to this G, then as many steps")] = None,
            seed: Annotated[int, typer.Option()] = 0,
            out: Annotated[Path | None, typer.Option("-o", "--out", help="save the model (.pt)")] = None):
    """Fit a KAN to the KAN paper's toy target f(x, y) = exp(sin(πx) + y²) and print the RMSE."""
    from actlab.bench.runner import check_writable
    from actlab.kan.io import save_kan

    if steps < 1:
        raise ParameterError(f"--steps must be >= 1, got {steps}")
    if lamb < 0:
        raise ParameterError(f"--lamb is a regularisation weight and must be >= 0, got {lamb}")
    if refine is not None:  # before training: grid extension needs a basis whose knots move with the data
        from actlab.kan.basis import BASES, basis_names, get_basis

        get_basis(basis)  # an unknown name is its own error
        if not BASES.meta(basis)["adaptive"]:
            raise ParameterError(f"--refine needs a basis with an adaptive grid; {basis!r} has none (bases with "
                                 f"one: {', '.join(basis_names(adaptive=True))})")
        if refine < 1:
            raise ParameterError(f"--refine must be a grid size >= 1, got {refine}")
    if out is not None:
        check_writable(out, "--out")  # before training, so a fitted model is never lost to a bad path
    model, _ = _toy(_widths(widths), basis, grid, steps, seed, lamb, refine)
    if out is not None:
        console.print(f"wrote {save_kan(model, out)}", markup=False)


def kan_plot(checkpoint: Annotated[Path | None, typer.Argument(help="a KAN saved by kan-fit -o / save_kan")] = None,
             out: Annotated[Path, typer.Option("-o", "--out", help="PNG or SVG file")] = Path("kan.png"),
             demo: Annotated[bool, typer.Option(help="no checkpoint: fit the toy KAN quickly and plot it")] = False,
             basis: Annotated[str, typer.Option(help="basis for --demo")] = "bspline",
             steps: Annotated[int, typer.Option(help="LBFGS steps for --demo")] = 10):
    """Plot every edge's learned curve of a trained KAN (a checkpoint, or a quick demo fit)."""
    from actlab.bench.runner import check_writable
    from actlab.kan.io import load_kan
    from actlab.report._mpl import check_figure_path
    from actlab.report.kan_plot import plot_kan

    if (checkpoint is None) == (not demo):
        raise ParameterError("give a checkpoint path or --demo (exactly one)")
    check_writable(check_figure_path(out), "--out")
    if steps < 1:
        raise ParameterError(f"--steps must be >= 1, got {steps}")
    x = None
    if demo:
        model, ds = _toy([2, 5, 1], basis, 5, steps, 0, 0.0, None)
        x = ds["train_input"]
    else:
        model = load_kan(checkpoint)
    console.print(f"wrote {plot_kan(model, out, x)}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("kan-fit")(kan_fit)
    app.command("kan-plot")(kan_plot)
