"""`iac-harness diff`: the semantic template diff of a model response against an ideal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from harness._synth_result import Stack
from harness.cli import app, console, err_console
from harness.cli._help import HelpCommand
from harness.diff import (
    DiffEntry,
    TemplateDiff,
    diff_templates,
    load_attribution,
    load_stacks,
)
from harness.synth import SynthSettings

DEFAULT_TASK = "pci-payment-vpc"
EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_NO_TEMPLATES = 2
_SIGNS = {
    "only_in_ideal": "[red]-[/]",
    "only_in_model": "[green]+[/]",
    "changed": "[yellow]~[/]",
}
_VALUE_WIDTH = 60


@app.command(cls=HelpCommand)
def diff(
    model: Annotated[
        Path,
        typer.Argument(
            metavar="MODEL",
            help="Model response: a CDK project directory, a markdown file or a "
            "cloud assembly (cdk.out).",
        ),
    ],
    ideal: Annotated[
        Path,
        typer.Option(metavar="PATH", help="Ideal response, in any form MODEL accepts."),
    ],
    json_file: Annotated[
        Path | None,
        typer.Option(
            "--json", metavar="FILE", help="Write the diff as JSON to this file."
        ),
    ] = None,
    task: Annotated[
        str,
        typer.Option(
            metavar="ID",
            help="Task whose attribution table names the taxonomy items of each entry.",
        ),
    ] = DEFAULT_TASK,
    region: Annotated[
        str,
        typer.Option(
            metavar="REGION",
            help="AWS region to synthesize for and to resolve AZ names in.",
        ),
    ] = "us-east-1",
    pairs: Annotated[
        bool, typer.Option(help="Also list every matched pair of elements.")
    ] = False,
    cache: Annotated[bool, typer.Option(help="Reuse cached synthesis results.")] = True,
) -> None:
    """Diff MODEL's templates against IDEAL's and attribute each entry to taxonomy items.

    Exits 0 when the templates mean the same, 1 when they differ, 2 when a
    response is missing or could not be synthesized.
    """
    attribution = load_attribution(task)
    settings = SynthSettings(region=region, use_cache=cache)
    sides: dict[str, list[Stack]] = {}
    for label, path in (("ideal", ideal), ("model", model)):
        with console.status(escape(f"synthesizing the {label} response {path}")):
            stacks, problem = load_stacks(path, settings)
        if problem:
            err_console.print(f"[bold red]error:[/] {escape(problem)}")
            raise typer.Exit(EXIT_NO_TEMPLATES)
        sides[label] = stacks
    result = diff_templates(sides["ideal"], sides["model"], attribution, region=region)
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(
            json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n"
        )
    console.print(render_tree(result, f"{model} against {ideal}"))
    if pairs:
        console.print(pairs_table(result))
    if not result.empty:
        console.print(items_table(result))
    if json_file is not None:
        console.print(f"diff written to {escape(str(json_file))}")
    raise typer.Exit(EXIT_SAME if result.empty else EXIT_DIFFERENT)


def render_tree(result: TemplateDiff, title: str) -> Tree:
    """Return the entries as a tree: section, then resource type, then entry."""
    share = f"{result.explained_share:.0%}"
    tree = Tree(
        f"[bold]{escape(title)}[/]: {len(result.entries)} entries, "
        f"{share} explained, {len(result.pairs)} matched pairs"
    )
    if result.empty:
        tree.add("[green]no differences[/]")
        return tree
    branches: dict[tuple[str, str], Tree] = {}
    sections: dict[str, Tree] = {}
    for entry in result.entries:
        if entry.section not in sections:
            sections[entry.section] = tree.add(f"[bold]{escape(entry.section)}[/]")
        key = (entry.section, entry.type)
        if key not in branches:
            branches[key] = sections[entry.section].add(_type_label(result, entry))
        branches[key].add(_entry_label(entry))
    return tree


def items_table(result: TemplateDiff) -> Table:
    """Return a table of the taxonomy items the entries evidence, then the rest."""
    table = Table(title="entries by taxonomy item")
    table.add_column("item")
    table.add_column("entries", justify="right")
    table.add_column("reasons", overflow="fold")
    for item, entries in result.by_item().items():
        reasons = sorted({reason for entry in entries for reason in entry.reasons})
        table.add_row(Text(item), str(len(entries)), Text("; ".join(reasons)))
    if result.unexplained:
        table.add_row("[dim]unexplained[/]", str(len(result.unexplained)), "")
    return table


def pairs_table(result: TemplateDiff) -> Table:
    table = Table(title="matched pairs")
    for column in ("type", "role", "ideal", "model", "method", "similarity"):
        table.add_column(column, overflow="fold")
    for pair in result.pairs:
        table.add_row(
            Text(pair.type),
            Text(pair.role),
            Text(pair.ideal.logical_id),
            Text(pair.model.logical_id),
            Text(pair.method),
            f"{pair.similarity:.2f}",
        )
    return table


def _type_label(result: TemplateDiff, entry: DiffEntry) -> str:
    counts = result.counts.get(entry.type)
    if counts is None:
        return escape(entry.type)
    return f"{escape(entry.type)} [dim](ideal {counts['ideal']}, model {counts['model']})[/]"


def _entry_label(entry: DiffEntry) -> str:
    items = escape(", ".join(entry.items)) if entry.items else "unexplained"
    style = "cyan" if entry.items else "magenta"
    where = entry.ideal or entry.model
    name = f" [dim]{escape(where.logical_id)}[/]" if where else ""
    text = f"{_SIGNS[entry.kind]} {escape(entry.role)}{name}"
    if entry.kind == "changed":
        text += (
            f"\n  {escape(entry.path)}: {escape(_short(entry.ideal_value))}"
            f" -> {escape(_short(entry.model_value))}"
        )
        if entry.note:
            text += f"\n  [dim]{escape(entry.note)}[/]"
    return f"{text} [{style}]\\[{items}][/]"


def _short(value: Any) -> str:
    text = "(absent)" if value is None else json.dumps(value, sort_keys=True)
    if len(text) > _VALUE_WIDTH:
        return text[: _VALUE_WIDTH - 3] + "..."
    return text
