"""`actlab list | show | plot | docs`: browse the zoo."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

import actlab
from actlab.cli.console import console


def list_cmd(family: Annotated[str | None, typer.Option("--family", "-f", help="only this family")] = None):
    """A table of every activation: name, family, properties, source."""
    names = actlab.names(family)
    t = Table(title=f"actlab zoo — {len(names)} activations", show_lines=False)
    for col in ("name", "family", "params", "properties", "source"):
        t.add_column(col, overflow="fold")
    for n in names:
        s = actlab.get(n)
        ps = ", ".join(f"{p.name}={p.default:g}" + ("*" if p.learnable else "") for p in s.params)
        t.add_row(escape(n), s.family, escape(ps), ", ".join(s.props.tags()),
                  escape(f"{s.source.authors} {s.source.year or ''}".strip()))
    console.print(t)
    console.print("[dim]* learnable by default[/]")


def show(name: str):
    """Formula (unicode and LaTeX), derivative, parameters, properties and source of one activation."""
    s = actlab.get(name)
    what = s.family if s.family == s.kind else f"{s.family}, {s.kind}"  # a gated unit's family is its kind
    console.rule(f"[bold]{escape(s.name)}[/]  ({what})")
    console.print(f"[bold]formula[/]    {escape(s.formula)}", highlight=False)
    if s.latex():
        console.print(f"[bold]LaTeX[/]      {escape(s.latex())}", highlight=False)
        console.print(f"[bold]f′(x)[/]      {escape(s.derivative_latex() or '')}", highlight=False)
    for p in s.params:
        console.print(f"[bold]param[/]      {p.name} = {p.default:g}  range {escape(p.range_text)}"
                      f"{'  learnable' if p.learnable else ''}  {escape(p.doc)}", highlight=False)
    console.print(f"[bold]properties[/] {', '.join(s.props.tags())}")
    if s.aliases:
        console.print(f"[bold]aliases[/]    {escape(', '.join(s.aliases))}")
    console.print(f"[bold]inplace[/]    {'yes' if s.supports_inplace else 'no'};  backward: {s.grad}")
    console.print(f"[bold]source[/]     {escape(s.source.cite())}", highlight=False)
    if s.notes:
        console.print(f"[bold]notes[/]      {escape(s.notes)}", highlight=False)


def plot(names: Annotated[list[str], typer.Argument(help="activation names")],
         out: Annotated[Path, typer.Option("-o", "--out", help="PNG or SVG file")] = Path("actlab-curves.png"),
         derivative: Annotated[bool, typer.Option("--derivative", "-d", help="add an f′ panel")] = False,
         lo: Annotated[float | None, typer.Option(help="x range start")] = None,
         hi: Annotated[float | None, typer.Option(help="x range end")] = None):
    """Curves of f (and f′) for several activations on one figure."""
    from actlab.report.curves import plot_curves

    for n in names:
        actlab.get(n)  # unknown names fail before drawing anything
    path = plot_curves(names, out, derivative=derivative, lo=lo, hi=hi)
    console.print(f"wrote {path}", markup=False)


def docs(out: Annotated[Path, typer.Option("-o", "--out")] = Path("docs/zoo.md"),
         plots: Annotated[bool, typer.Option(help="also draw one small plot per entry")] = True):
    """Generate the zoo reference from the specs."""
    from actlab.report.zoo_docs import write

    console.print(f"wrote {write(out, plots=plots)}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("list")(list_cmd)
    app.command()(show)
    app.command()(plot)
    app.command()(docs)
