"""`iac-harness evaluate`: the main job, one response against the task and its ideal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli import app, console
from harness.cli._common import (
    EXIT_HARNESS_ERROR,
    exit_status,
    findings_table,
    parse_weights,
    summary_line,
)
from harness.cli._help import HelpCommand
from harness.pipeline import DEFAULT_TASK, EvalSettings, evaluate_to_directory
from harness.taxonomy import load_task


@app.command(cls=HelpCommand)
def evaluate(
    model: Annotated[
        Path,
        typer.Argument(help="Response: a CDK project directory or a markdown file."),
    ],
    ideal: Annotated[
        Path | None,
        typer.Option(
            help="The task's ideal response, for the diff and the report's fixes."
        ),
    ] = None,
    task: Annotated[
        str,
        typer.Option(help="Task id whose taxonomy the response is checked against."),
    ] = DEFAULT_TASK,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Results directory to write.")
    ] = Path("results"),
    region: Annotated[
        str, typer.Option(help="AWS region the app is synthesized for.")
    ] = "us-east-1",
    weight: Annotated[
        list[str] | None,
        typer.Option(help="Severity weight as SEVERITY=NUMBER; repeatable."),
    ] = None,
    weights_file: Annotated[
        Path | None,
        typer.Option(help="YAML, TOML or JSON mapping of severity to weight."),
    ] = None,
    root_causes_only: Annotated[
        bool,
        typer.Option(
            help="Leave failures that are consequences of another failure out of the score."
        ),
    ] = False,
    cache: Annotated[bool, typer.Option(help="Reuse cached synthesis results.")] = True,
    timeout: Annotated[
        float, typer.Option(help="Synthesis time limit per run, in seconds.")
    ] = 120.0,
    typecheck: Annotated[
        bool,
        typer.Option(
            help="Type-check TypeScript responses; type errors fail synthesis."
        ),
    ] = False,
    report: Annotated[
        bool,
        typer.Option(help="Write the failure-analysis report (markdown, JSON, SARIF)."),
    ] = True,
) -> None:
    """Evaluate MODEL against the task's taxonomy (and IDEAL), print a table, write results."""
    settings = EvalSettings(
        task=task,
        region=region,
        weights=parse_weights(weight or [], weights_file),
        root_causes_only=root_causes_only,
        use_cache=cache,
        timeout=timeout,
        typecheck=typecheck,
    )
    task_def = load_task(task)
    with console.status(f"evaluating {model}" + (f" against {ideal}" if ideal else "")):
        model_eval, ideal_eval = evaluate_to_directory(
            model, output, ideal=ideal, settings=settings, report=report
        )
    evaluations = [e for e in (ideal_eval, model_eval) if e is not None]

    console.print(findings_table(model_eval, task_def))
    for evaluation in evaluations:
        console.print(summary_line(evaluation))
    console.print(f"results written to {escape(str(output))}/")
    status = exit_status([model_eval])
    if ideal_eval is not None and ideal_eval.outcome == "harness_error":
        status = EXIT_HARNESS_ERROR
    raise typer.Exit(status)
