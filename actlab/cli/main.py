"""Entry point: one Typer app; each command group lives in its own module with a ``register(app)``."""
from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from actlab.core.errors import ActlabError

app = typer.Typer(name="actlab", help="Activation-function laboratory for PyTorch.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
console = Console()
err_console = Console(stderr=True)

# command-group modules under actlab.cli; a group that is not built yet is simply absent
GROUPS = ("zoo", "kan", "learnable", "arith", "analysis", "search", "bench", "report")


def _load_groups() -> None:
    for g in GROUPS:
        try:
            mod = importlib.import_module(f"actlab.cli.{g}")
        except ModuleNotFoundError as e:
            if e.name == f"actlab.cli.{g}":
                continue
            raise
        mod.register(app)


_load_groups()


def main() -> None:
    """Run the CLI; actlab errors print a one-line message and exit 2 (never a traceback)."""
    try:
        app(standalone_mode=False)
    except ActlabError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except Exception as e:  # click usage errors
        import click

        if isinstance(e, click.exceptions.ClickException):
            e.show()
            sys.exit(2)
        if isinstance(e, click.exceptions.Exit):
            sys.exit(e.exit_code)
        raise

