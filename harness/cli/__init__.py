"""The `iac-harness` command line: one module per command, all on one Typer app."""

from __future__ import annotations

import importlib
import logging
import sys

import typer
from rich.console import Console
from rich.markup import escape

from harness.errors import HarnessError

app = typer.Typer(
    name="iac-harness",
    help="Score infrastructure-as-code written by language models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Rich falls back to 80 columns when output is not a terminal; tables of
# findings need more to stay readable in logs and CI output.
# emoji=False keeps codes such as `:x:` in response text literal (`root:x:0:0`).
console = Console(width=None if sys.stdout.isatty() else 160, emoji=False)
err_console = Console(stderr=True, emoji=False)

# Each module registers its command(s) on `app` when imported.
COMMAND_MODULES = [
    "setup",
    "ingest",
    "synth",
    "evaluate",
    "diff",
    "report",
    "notebook",
    "batch",
    "doctor",
    "detect",
]


def _register_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(f"harness.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"harness.cli.{name}":
                raise


def main() -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    _register_commands()
    try:
        app()
    except HarnessError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
