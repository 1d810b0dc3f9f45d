"""Entry point: one Typer app; each command group lives in its own module with a ``register(app)``."""
from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer
from rich.console import Console

from actlab.core.errors import ActlabError

app = typer.Typer(name="actlab", help="Activation-function laboratory for PyTorch.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)
console = Console()
err_console = Console(stderr=True)



@app.callback()
def _plugins(imports: Annotated[list[str] | None, typer.Option(
        "--import", metavar="MODULE_OR_FILE",
        help="load activations (or tasks) from a .py file or a module importable from the working directory before "
             "the command runs; repeatable. ACTLAB_PLUGINS (comma-separated) and the 'actlab.plugins' entry points "
             "of installed packages are loaded too. Accepted before or after the command name.")] = None) -> None:
    from actlab.core import plugins

    plugins.load_all(imports or ())


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


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(ClickException, Exit) classes of every click copy in play: typer >= 0.29 vendors its own click as
    typer._click (its Exit is typer.Exit)."""
    import click

    usage: list[type] = [click.exceptions.ClickException]
    exits: list[type] = [click.exceptions.Exit, typer.Exit]
    try:
        import typer._click as vendored

        usage.append(vendored.exceptions.ClickException)
    except ImportError:  # an older typer that uses click itself
        pass
    return tuple(usage), tuple(exits)


def hoist_imports(args: list[str]) -> list[str]:
    """Move ``--import X`` / ``--import=X`` written after the command name to the front, where the app's callback
    reads them, so ``actlab bench --import myacts.py ...`` works as well as ``actlab --import myacts.py bench``."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest += args[i:]
            break
        if a == "--import" and i + 1 < len(args):
            front += args[i:i + 2]
            i += 2
            continue
        if a.startswith("--import="):
            front.append(a)
        else:
            rest.append(a)
        i += 1
    return front + rest


def main() -> None:
    """Run the CLI; actlab errors print a one-line message and exit 2 (never a traceback); usage errors exit 2
    with click's message; Ctrl-C prints "aborted" and exits 130."""
    usage, exit_ = _click_exceptions()
    try:
        rc = app(args=hoist_imports(sys.argv[1:]), standalone_mode=False)
    except ActlabError as e:
        err_console.print(f"[bold red]error:[/] {e}", highlight=False)
        sys.exit(2)
    except OSError as e:  # an output path in a missing or unwritable place, a file where a folder should be
        err_console.print(f"[bold red]error:[/] {e.strerror or e}: {e.filename or ''}", highlight=False)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except usage as e:
        e.show()
        sys.exit(e.exit_code)
    except exit_ as e:
        sys.exit(e.exit_code)
    if isinstance(rc, int) and rc:  # typer returns 130 for a Ctrl-C it caught itself
        if rc == 130:
            err_console.print("aborted")
        sys.exit(rc)
