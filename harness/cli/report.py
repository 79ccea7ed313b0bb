"""`iac-harness report`: write the failure-analysis report from saved evaluations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from harness.cli import app, console
from harness.cli._help import HelpCommand
from harness.errors import ConfigError
from harness.evaluation import Evaluation
from harness.report import write_reports
from harness.taxonomy import load_task


@app.command(cls=HelpCommand)
def report(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS",
            help="Results directory (with evaluations/*.json) or one evaluation file.",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE.md",
            help="Markdown file to write; the .json and .sarif twins go beside it.",
        ),
    ],
    response: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="Response id to report on when RESULTS contains several.",
        ),
    ] = None,
    ideal: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Evaluation JSON of the ideal response, for the fixes.",
        ),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="Task id; defaults to the task named in the evaluation.",
        ),
    ] = None,
) -> None:
    """Write FILE.md, FILE.json and FILE.sarif for one evaluated response."""
    evaluations = load_results(results)
    model = select_model(evaluations, response, results)
    ideal_eval = _load_one(ideal) if ideal is not None else find_ideal(evaluations)
    if ideal_eval is model:
        ideal_eval = None
    task_def = load_task(task or model.task)
    if output.suffix != ".md":
        raise ConfigError(
            f"invalid --output {output}: expected a file name ending in .md"
        )
    paths = write_reports(model, task_def, ideal_eval, output.parent, stem=output.stem)
    for kind, path in paths.items():
        console.print(f"{kind}: {escape(str(path))}")


def load_results(results: Path) -> list[Evaluation]:
    """Load one evaluation JSON file, or every one under RESULTS/evaluations.

    The search is recursive because a response id may contain a slash.
    """
    if results.is_file():
        return [_load_one(results)]
    if not results.is_dir():
        raise ConfigError(
            f"results not found: {results}; pass a results directory or a JSON file"
        )
    paths = sorted((results / "evaluations").rglob("*.json"))
    if not paths:
        raise ConfigError(
            f"no evaluations in {results / 'evaluations'}; "
            f"run `iac-harness evaluate RESPONSE -o {results}` first"
        )
    return [_load_one(path) for path in paths]


def _load_one(path: Path) -> Evaluation:
    try:
        return Evaluation.from_dict(json.loads(path.read_text()))
    except FileNotFoundError as exc:
        raise ConfigError(f"evaluation file not found: {path}") from exc
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"invalid evaluation file {path}: {type(exc).__name__}: {exc}; "
            "expected a JSON document written by `iac-harness evaluate`"
        ) from exc


def is_ideal(evaluation: Evaluation) -> bool:
    """Return True for the ideal response's evaluation, by role or by id."""
    return (
        evaluation.settings.get("role") == "ideal" or evaluation.response.id == "ideal"
    )


def find_ideal(evaluations: list[Evaluation]) -> Evaluation | None:
    return next((e for e in evaluations if is_ideal(e)), None)


def select_model(
    evaluations: list[Evaluation], response: str | None, results: Path
) -> Evaluation:
    """Pick the evaluation to report on: `response` if given, else the only model."""
    if response is not None:
        for evaluation in evaluations:
            if evaluation.response.id == response:
                return evaluation
        known = ", ".join(e.response.id for e in evaluations)
        raise ConfigError(
            f"response {response!r} not found in {results}; known ids: {known}"
        )
    models = [e for e in evaluations if not is_ideal(e)]
    if len(models) == 1:
        return models[0]
    if not models:
        # Only the ideal was evaluated: its report states that there is nothing to fix.
        return evaluations[0]
    known = ", ".join(e.response.id for e in models)
    raise ConfigError(
        f"{results} contains {len(models)} evaluated responses ({known}); "
        "choose one with --response ID"
    )
