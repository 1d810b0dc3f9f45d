"""`actlab report --db PATH -o DIR`: the static HTML report of a results database."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from actlab.cli.console import console


def report(
    db: Annotated[list[Path] | None, typer.Option("--db", help="a results database (bench, search or arith) or a "
                                                  "folder of .db files; repeat to merge several (default: "
                                                  "runs/bench.db)")] = None,
    out: Annotated[Path, typer.Option("-o", "--out", help="output directory (index.html + figures/)")]
    = Path("runs/report"),
    suite: Annotated[int | None, typer.Option("--suite-id", help="only the runs of this suite (default: all)")]
    = None,
    baseline: Annotated[str, typer.Option("--baseline", help="activation for the paired comparison")] = "relu",
):
    """Write DIR/index.html: ranking with CIs, per-task charts, learning curves, cost vs quality, claims; and the
    arithmetic and search results of the databases given (`--db runs/` takes every .db in the folder)."""
    from actlab.report.html import write_report

    index = write_report(db or [Path("runs/bench.db")], out, suite_id=suite, baseline=baseline)
    console.print(f"report: {index.resolve()}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(report)
