"""`iac-harness ingest`: extract a response's project files and show where they came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from harness._project import Project
from harness.cli import app, console
from harness.cli._help import HelpCommand
from harness.errors import ConfigError
from harness.ingest import ingest as ingest_response
from harness.ingest import write_project, write_text_file

MANIFEST_NAME = "ingest.json"
# The exit status of a response that failed, as for the other commands.
EXIT_NO_FILES = 1


@app.command(cls=HelpCommand)
def ingest(
    response: Annotated[
        Path,
        typer.Argument(
            metavar="RESPONSE",
            help="Response: a CDK project directory or a markdown file.",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="Directory to write the project files into.",
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Name recorded for the response in ingest.json."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Write into OUTPUT even when it is not empty.")
    ] = False,
) -> None:
    """Write RESPONSE's files into OUTPUT with ingest.json, and list them.

    Exits with status 1 when the response contains no project files.
    """
    _check_output(output, force)
    project = ingest_response(response, name=name)
    if MANIFEST_NAME in project.files:
        raise ConfigError(
            f"the response has its own {MANIFEST_NAME}, which the manifest would "
            "overwrite; rename that file in the response"
        )
    write_project(project, output)
    manifest = json.dumps(project.manifest(), indent=2, sort_keys=True) + "\n"
    write_text_file(output, MANIFEST_NAME, manifest)
    console.print(files_table(project))
    if project.skipped:
        console.print(skipped_table(project))
    for warning in project.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    console.print(f"{len(project.files)} files written to {escape(str(output))}/")
    if not project.files:
        raise typer.Exit(EXIT_NO_FILES)


def _check_output(output: Path, force: bool) -> None:
    if output.is_symlink() or (output.exists() and not output.is_dir()):
        raise ConfigError(
            f"output {str(output)!r} is not a directory; choose a directory"
        )
    if output.exists() and any(output.iterdir()) and not force:
        raise ConfigError(
            f"output directory {str(output)!r} is not empty; "
            "choose an empty directory or pass --force"
        )


def files_table(project: Project) -> Table:
    """Return a table of the project's files with their markdown line spans."""
    table = Table(title=escape(f"{project.name}: {len(project.files)} files"))
    table.add_column("file", overflow="fold")
    table.add_column("language")
    table.add_column("lines", justify="right")
    table.add_column("markdown lines", justify="right")
    for path, entry in project.manifest()["files"].items():
        span = entry["markdown_lines"]
        table.add_row(
            Text(path),
            Text(entry["language"] or ""),
            str(entry["lines"]),
            f"{span[0]}-{span[1]}" if span else "",
        )
    return table


def skipped_table(project: Project) -> Table:
    """Return a table of the code blocks that did not become files, and why."""
    table = Table(title=f"{len(project.skipped)} blocks skipped")
    table.add_column("markdown line", justify="right")
    table.add_column("reason", overflow="fold")
    table.add_column("first line", overflow="fold")
    for block in project.skipped:
        line = "" if block.markdown_line is None else str(block.markdown_line)
        table.add_row(line, Text(block.reason), Text(block.preview))
    return table
