"""`iac-harness detect`: the detection matrix of single-flaw variants of the ideal."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness.cli import app, console
from harness.cli._help import HelpCommand
from harness.detection import detection_matrix
from harness.pipeline import DEFAULT_TASK, EvalSettings
from harness.taxonomy import load_task


@app.command(cls=HelpCommand)
def detect(
    ideal: Annotated[
        Path, typer.Option(help="Ideal response the variants are made from.")
    ] = Path("responses/ideal"),
    task: Annotated[str, typer.Option(help="Task id.")] = DEFAULT_TASK,
    json_out: Annotated[
        Path | None,
        typer.Option("--json", help="Also write the matrix as JSON to this file."),
    ] = None,
) -> None:
    """Inject each taxonomy flaw alone into the ideal and show which items fire."""
    task_def = load_task(task)
    with (
        tempfile.TemporaryDirectory(prefix="iac-harness-variants-") as work,
        console.status("evaluating single-flaw variants"),
    ):
        matrix = detection_matrix(task_def, ideal, Path(work), EvalSettings(task=task))
    table = Table(
        title=f"Detection matrix, {task_def.title} (row: injected flaw, column: failed item)"
    )
    table.add_column("flaw")
    for item in matrix.items:
        table.add_column(item, justify="center")
    table.add_column("exact")
    for row in matrix.rows:
        cells = []
        for item in matrix.items:
            fired, expected = item in row.fired, item in row.expected
            cells.append(
                "[green]X[/]"
                if fired and expected
                else "[red]X[/]"
                if fired
                else "[red]-[/]"
                if expected
                else ""
            )
        table.add_row(row.flaw, *cells, "yes" if row.exact else "[red]no[/]")
    console.print(table)
    console.print(
        f"exact for {sum(r.exact for r in matrix.rows)} of {len(matrix.items)} items"
    )
    if json_out is not None:
        json_out.write_text(json.dumps(matrix.to_dict(), indent=2) + "\n")
    raise typer.Exit(0 if matrix.exact else 1)
