"""`iac-harness synth`: synthesize a response and write its templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from harness._synth_result import SynthResult
from harness.cli import app, console, err_console
from harness.cli._help import HelpCommand
from harness.errors import ConfigError
from harness.ingest import ingest
from harness.synth import SynthSettings, synthesize

RESULT_NAME = "synth.json"
EXIT_RESPONSE_FAILED = 1
EXIT_HARNESS_ERROR = 3


@app.command(cls=HelpCommand)
def synth(
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
            help="Directory for the templates and synth.json.",
        ),
    ],
    region: Annotated[
        str, typer.Option(metavar="REGION", help="CDK_DEFAULT_REGION of the app.")
    ] = "us-east-1",
    account: Annotated[
        str,
        typer.Option(
            metavar="ACCOUNT", help="CDK_DEFAULT_ACCOUNT of the app (12 digits)."
        ),
    ] = "123456789012",
    context: Annotated[
        list[str] | None,
        typer.Option(
            "-c",
            "--context",
            metavar="KEY=VALUE",
            help="Extra CDK context; a VALUE that parses as JSON is decoded. "
            "Repeatable.",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(metavar="SECONDS", help="Wall-time limit of the app, in seconds."),
    ] = 120.0,
    cache: Annotated[bool, typer.Option(help="Reuse and store cached results.")] = True,
    typecheck: Annotated[
        bool,
        typer.Option(
            help="Type-check a TypeScript app before running it, as ts-node does; "
            "type errors fail it with type_error."
        ),
    ] = False,
) -> None:
    """Synthesize RESPONSE offline and write each stack's template into OUTPUT."""
    settings = SynthSettings(
        region=region,
        account=account,
        timeout=timeout,
        use_cache=cache,
        typecheck=typecheck,
        extra_context=parse_context(context or []),
    )
    result = synthesize(ingest(response), settings)
    write_result(result, output)
    _print(result, output)
    if result.error is not None:
        code = (
            EXIT_HARNESS_ERROR
            if result.error.blame == "harness"
            else EXIT_RESPONSE_FAILED
        )
        raise typer.Exit(code)


def parse_context(options: list[str]) -> dict:
    """Return `KEY=VALUE` options as a dict; a VALUE that parses as JSON is decoded."""
    parsed: dict = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key:
            raise ConfigError(f"invalid --context {option!r}: expected KEY=VALUE")
        try:
            parsed[key] = json.loads(value)
        except json.JSONDecodeError:
            parsed[key] = value
    return parsed


def write_result(result: SynthResult, output: Path) -> None:
    """Write every stack's template and the whole result (synth.json) into `output`."""
    if output.exists() and not output.is_dir():
        raise ConfigError(
            f"output {str(output)!r} is not a directory; choose a directory"
        )
    output.mkdir(parents=True, exist_ok=True)
    for stack in result.stacks:
        target = output / stack.template_file
        target.write_text(json.dumps(stack.template, indent=1) + "\n")
    (output / RESULT_NAME).write_text(
        json.dumps(result.to_dict(), indent=1, sort_keys=True)
    )


def _print(result: SynthResult, output: Path) -> None:
    if result.stacks:
        console.print(_stacks_table(result))
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if result.error is not None:
        error = result.error
        where = f" ({error.file}:{error.line})" if error.file else ""
        err_console.print(
            f"[bold red]{error.error_class.value}[/]{escape(where)}: "
            f"{escape(error.message)}",
            highlight=False,
        )
        return
    cached = " (cached)" if result.cache_hit else ""
    console.print(
        f"{len(result.stacks)} stack(s) written to {escape(str(output))}/{cached}"
    )


def _stacks_table(result: SynthResult) -> Table:
    table = Table(title=escape(f"{result.language} app {result.entry}"))
    table.add_column("stack")
    table.add_column("template")
    table.add_column("resources", justify="right")
    table.add_column("outputs", justify="right")
    for stack in result.stacks:
        table.add_row(
            Text(stack.name),
            Text(stack.template_file),
            str(len(stack.template.get("Resources", {}))),
            str(len(stack.template.get("Outputs", {}))),
        )
    return table
