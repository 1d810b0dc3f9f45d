"""The CLI's two Rich consoles and its error line; command groups import these, never ``actlab.cli.main`` (which
imports the groups), so that any group module imports on its own."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape

console = Console()
err_console = Console(stderr=True)


def print_error(message: str) -> None:
    """One red ``error:`` line. The message is escaped: text like ``pip install 'actlab[ray]'`` prints as is instead
    of being read as Rich markup (``[ray]`` would vanish as an unknown style tag)."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)  # one line
