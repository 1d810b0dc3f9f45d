"""Entry point: one Typer app; each command group lives in its own module with a ``register(app)``."""
from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from actlab.cli.console import console, err_console, print_error
from actlab.core.errors import ActlabError

app = typer.Typer(name="actlab", help="Activation-function laboratory for PyTorch.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False)

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


def version_text() -> str:
    """``actlab X.Y.Z`` from the installed distribution's metadata (the one place the version is written)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"actlab {version('actlab')}"
    except PackageNotFoundError:  # a source tree on sys.path that was never installed
        return "actlab (not installed: no version metadata)"


def _print_version(value: bool) -> None:
    if value:
        console.print(version_text(), markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(version: Annotated[bool, typer.Option("--version", help="print the version and exit", is_eager=True,
                                                callback=_print_version)] = False,
          imports: Annotated[list[str] | None, typer.Option(
              "--import", metavar="MODULE_OR_FILE",
              help="load activations (or tasks) from a .py file or a module importable from the working directory "
                   "before the command runs; repeatable, accepted before or after the command name. ACTLAB_PLUGINS "
                   "(comma-separated) and the 'actlab.plugins' entry points of installed packages are loaded "
                   "too.")] = None) -> None:
    """Activation-function laboratory for PyTorch."""
    from actlab.core import plugins

    plugins.load_all(imports or ())


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
    try:
        rc = app(args=hoist_imports(sys.argv[1:]), standalone_mode=False)
    except ActlabError as e:
        print_error(str(e))
        sys.exit(2)
    except OSError as e:  # an output path in a missing or unwritable place, a file where a folder should be
        print_error(f"{e.strerror or e}: {e.filename or ''}")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.TyperException as e:  # typer's vendored click: usage errors (ClickException) derive from it
        show = getattr(e, "show", None)
        if show is not None:
            show()
        else:
            print_error(e.format_message())
        sys.exit(e.exit_code)
    if isinstance(rc, int) and rc:  # typer returns 130 for a Ctrl-C it caught itself
        if rc == 130:
            err_console.print("aborted")
        sys.exit(rc)
