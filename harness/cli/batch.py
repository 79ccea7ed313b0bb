"""`iac-harness batch`: evaluate many responses into a resumable run directory."""

from __future__ import annotations

import importlib
import logging
import math
from pathlib import Path
from typing import Annotated, Self

import typer
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import (
    Task as ProgressTask,
)
from rich.table import Table
from rich.text import Text

from harness.batch import (
    BatchOptions,
    BatchProgress,
    BatchResult,
    Columns,
    evaluate_batch,
)
from harness.cli import app, console, err_console
from harness.cli._common import EXIT_HARNESS_ERROR, EXIT_PASS, parse_weights
from harness.cli._help import HelpCommand
from harness.errors import ConfigError
from harness.pipeline import DEFAULT_TASK, EvalSettings


@app.command(cls=HelpCommand)
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUTS...",
            help="Responses: CDK project directories, markdown files, folders of "
            "them, globs, or JSONL/CSV/parquet tables.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            metavar="DIR",
            help="Run directory to write (evaluations, index, tables, summary, "
            "manifest).",
        ),
    ],
    ideal: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH",
            help="The task's ideal response; defaults to the task's bundled ideal.",
        ),
    ] = None,
    task: Annotated[
        str,
        typer.Option(
            metavar="ID",
            help="Task id whose taxonomy the responses are checked against.",
        ),
    ] = DEFAULT_TASK,
    jobs: Annotated[
        int,
        typer.Option(
            "-j",
            "--jobs",
            min=1,
            metavar="N",
            help="Responses evaluated at the same time (worker processes).",
        ),
    ] = 2,
    resume: Annotated[
        bool,
        typer.Option(
            help="Reuse results in the run directory whose content, task and "
            "settings match."
        ),
    ] = False,
    executor: Annotated[
        str,
        typer.Option(
            metavar="local|ray",
            help="Where workers run: local processes, or a Ray cluster (needs the "
            "ray extra).",
        ),
    ] = "local",
    id_column: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="Table column with each response's id; rows without one get "
            "FILE_STEM/ROW_NUMBER.",
        ),
    ] = "id",
    text_column: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="Table column with the response's markdown text.",
        ),
    ] = "response",
    model_column: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="Table column naming the model that wrote the response (optional).",
        ),
    ] = "model",
    prompt_column: Annotated[
        str,
        typer.Option(
            metavar="NAME",
            help="Table column naming the prompt; samples of one prompt give pass@k "
            "(optional).",
        ),
    ] = "prompt_id",
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Wall-clock limit per response in seconds (default: 3 x "
            "--synth-timeout + 120).",
            show_default=False,
        ),
    ] = None,
    synth_timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS",
            help="Time limit of one synthesis, in seconds.",
        ),
    ] = 120.0,
    memory_mb: Annotated[
        float,
        typer.Option(
            metavar="MB",
            help="Resident memory limit of one worker process in MB; 0 turns the "
            "check off.",
        ),
    ] = 4096.0,
    max_tasks_per_child: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="N",
            help="Responses a worker evaluates before it is replaced by a fresh "
            "process.",
        ),
    ] = 25,
    region: Annotated[
        str,
        typer.Option(metavar="REGION", help="AWS region the apps are synthesized for."),
    ] = "us-east-1",
    weight: Annotated[
        list[str] | None,
        typer.Option(
            metavar="SEVERITY=NUMBER",
            help="Severity weight; repeatable.",
        ),
    ] = None,
    weights_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="YAML, TOML or JSON mapping of severity to weight.",
        ),
    ] = None,
    root_causes_only: Annotated[
        bool,
        typer.Option(
            help="Leave failures that are consequences of another failure out of "
            "the score.",
        ),
    ] = False,
    cache: Annotated[bool, typer.Option(help="Reuse cached synthesis results.")] = True,
    evaluator: Annotated[
        str | None,
        typer.Option(
            metavar="MODULE:FUNCTION",
            help="Evaluate function to call in place of the default, "
            "harness.pipeline.evaluate_project, with the same signature.",
            show_default=False,
        ),
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a live progress bar.")] = True,
) -> None:
    """Evaluate every response of INPUTS into the run directory, then write aggregates."""
    settings = EvalSettings(
        task=task,
        region=region,
        weights=parse_weights(weight or [], weights_file),
        root_causes_only=root_causes_only,
        use_cache=cache,
        timeout=synth_timeout,
    )
    options = BatchOptions(
        jobs=jobs,
        executor=_executor(executor),
        resume=resume,
        timeout=timeout,
        memory_mb=memory_mb or None,
        max_tasks_per_child=max_tasks_per_child,
    )
    columns = Columns(
        id=id_column, text=text_column, model=model_column, prompt=prompt_column
    )
    with _LiveProgress(enabled=progress) as live:
        result = evaluate_batch(
            inputs,
            run_dir=output,
            ideal=ideal,
            settings=settings,
            options=options,
            columns=columns,
            evaluator=_import_evaluator(evaluator) if evaluator else None,
            on_progress=live.update,
        )
    _print_result(result)
    raise typer.Exit(
        EXIT_HARNESS_ERROR if result.progress.harness_errors else EXIT_PASS
    )


def _executor(name: str) -> str:
    from harness.batch import EXECUTORS

    if name not in EXECUTORS:
        raise ConfigError(
            f"invalid --executor {name!r}; choose one of {', '.join(EXECUTORS)}"
        )
    return name


def _import_evaluator(path: str):
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"invalid --evaluator {path!r}: expected module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"invalid --evaluator {path!r}: cannot import {module_name}: {exc}"
        ) from exc
    function = getattr(module, attribute, None)
    if not callable(function):
        raise ConfigError(
            f"invalid --evaluator {path!r}: {module_name} has no function {attribute}"
        )
    return function


class _RateColumn(ProgressColumn):
    """Responses per second over rich's recent window."""

    def render(self, task: ProgressTask) -> Text:
        speed = task.finished_speed or task.speed
        return Text(
            "-- /s" if speed is None else f"{speed:.2f}/s", style="progress.data.speed"
        )


class _LiveProgress:
    """A rich progress bar fed by the batch's progress callback, with logs above it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            TextColumn("model failures [yellow]{task.fields[model_failures]}[/]"),
            TextColumn("harness errors [magenta]{task.fields[harness_errors]}[/]"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=err_console,
            disable=not enabled,
        )
        self.task_id = None
        self.handler = RichHandler(
            console=err_console, show_path=False, show_time=False
        )

    def __enter__(self) -> Self:
        root = logging.getLogger()
        self.saved_handlers = root.handlers[:]
        root.handlers = [self.handler]
        self.progress.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.progress.__exit__(*exc_info)
        logging.getLogger().handlers = self.saved_handlers

    def update(self, state: BatchProgress) -> None:
        fields = {
            "model_failures": state.model_failures,
            "harness_errors": state.harness_errors,
        }
        if self.task_id is None:
            description = "evaluating" + (
                f" ({state.reused} reused)" if state.reused else ""
            )
            self.task_id = self.progress.add_task(
                description, total=state.total - state.reused, **fields
            )
        self.progress.update(self.task_id, completed=state.evaluated, **fields)


def _print_result(result: BatchResult) -> None:
    state = result.progress
    console.print(
        f"{state.total} responses ({state.evaluated} evaluated, {state.reused} reused) in "
        f"{result.wall_seconds:.1f} s: {state.passed} pass, {state.failed} fail, "
        f"{state.model_errors} model errors, {state.harness_errors} harness errors"
    )
    console.print(_leaderboard_table(result))
    console.print(
        f"results written to {escape(str(result.run_dir))}/ "
        "(summary.md, leaderboard.csv, scores, findings)"
    )


def _leaderboard_table(result: BatchResult) -> Table:
    table = Table(title="Leaderboard")
    for column in (
        "model",
        "responses",
        "mean score",
        "95% CI",
        "pass rate",
        "pass@1",
        "harness errors",
    ):
        table.add_column(column)
    for row in result.leaderboard.to_dict("records"):
        interval = (
            "n/a"
            if math.isnan(row["ci95_low"])
            else f"{row['ci95_low']:.1f} to {row['ci95_high']:.1f}"
        )
        table.add_row(
            Text(str(row["model"])),
            str(row["responses"]),
            _format(row["mean_score"], "{:.1f}"),
            interval,
            _format(row["pass_rate"], "{:.0%}"),
            _format(row["pass@1"], "{:.0%}"),
            str(row["harness_errors"]),
        )
    return table


def _format(value: float, pattern: str) -> str:
    return "n/a" if value is None or math.isnan(value) else pattern.format(value)
