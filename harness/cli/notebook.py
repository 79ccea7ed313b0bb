"""`iac-harness notebook`: execute the analysis notebook on a results directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli import app, console
from harness.cli._help import HelpCommand


@app.command(cls=HelpCommand)
def notebook(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS", help="Results directory written by evaluate or batch."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help="Executed notebook to write (default: RESULTS/failure_analysis.ipynb).",
        ),
    ] = None,
    html: Annotated[
        bool, typer.Option(help="Also write an HTML rendering beside the notebook.")
    ] = False,
) -> None:
    """Execute the failure-analysis notebook on RESULTS and write the executed copy."""
    from harness.notebook import execute_notebook

    target = output or results / "failure_analysis.ipynb"
    with console.status(escape(f"executing the analysis notebook on {results}")):
        written = execute_notebook(results, target, html=html)
    for path in written:
        console.print(f"wrote {escape(str(path))}")
