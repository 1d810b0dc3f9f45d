"""`actlab rational-fit`: least-squares rational (PAU / GR-KAN) init coefficients for any zoo activation."""
from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from actlab.cli.console import console


def rational_fit(target: Annotated[str, typer.Argument(help="an elementwise zoo activation, e.g. gelu")] = "leaky_relu",
                 m: Annotated[int, typer.Option(help="numerator degree")] = 5,
                 n: Annotated[int, typer.Option(help="denominator degree")] = 4,
                 low: Annotated[float, typer.Option(help="interval start")] = -3.0,
                 high: Annotated[float, typer.Option(help="interval end")] = 3.0):
    """Fit P(x)/(1 + Σ|b_k||x|^k) to TARGET on [LOW, HIGH]; print the coefficients and the fit error."""
    from actlab.learnable.fit import fit_rational

    fit = fit_rational(target, m, n, (low, high))
    t = Table(title=escape(f"safe rational ({m}, {n}) fitted to {fit.target} on [{low:g}, {high:g}]"))
    t.add_column("coefficient")
    t.add_column("value", justify="right")
    for j, v in enumerate(fit.a):
        t.add_row(f"a_{j}", f"{v:+.6f}")
    for k, v in enumerate(fit.b, 1):
        t.add_row(f"b_{k}", f"{v:+.6f}")
    console.print(t)
    console.print(f"max-abs error {fit.max_error:.3e}, RMS error {fit.rms_error:.3e} (grid of {20 * 500 + 1} points)")


def register(app: typer.Typer) -> None:
    app.command("rational-fit")(rational_fit)
