"""`iac-harness doctor`: show which containment layers synthesis runs under here."""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from harness.cli import app, console
from harness.cli._help import HelpCommand
from harness.synth import _sandbox
from harness.synth._process import Limits, run_contained

PROBE_PROGRAM = [sys.executable, "-c", "pass"]


@app.command(cls=HelpCommand)
def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the layers as JSON instead.")
    ] = False,
    measure: Annotated[
        int,
        typer.Option(
            metavar="RUNS",
            help="Also time this many runs of an empty Python program with and "
            "without the sandbox, and print the median overhead in seconds.",
        ),
    ] = 0,
) -> None:
    """Probe this machine and print each containment layer: active, how, what it stops.

    An inactive layer means untrusted responses run with less containment
    here. docs/sandbox.md describes what each missing layer leaves open.
    """
    statuses = _sandbox.layer_statuses()
    overhead = _measure_overhead(measure) if measure > 0 else None
    if as_json:
        document: dict[str, object] = {
            "layers": [dataclasses.asdict(status) for status in statuses]
        }
        if overhead is not None:
            document["overhead_seconds"] = overhead
        console.print_json(json.dumps(document))
        return
    console.print(_layer_table(statuses))
    if overhead is not None:
        console.print(
            f"median of {measure} runs: contained {overhead['contained']:.3f} s, "
            f"plain {overhead['plain']:.3f} s, "
            f"overhead {overhead['overhead']:.3f} s per process"
        )


def _layer_table(statuses: list[_sandbox.LayerStatus]) -> Table:
    table = Table(title="Containment of each synthesis subprocess")
    table.add_column("layer")
    table.add_column("active")
    table.add_column("mechanism")
    table.add_column("what it stops")
    for status in statuses:
        active = "[green]yes[/]" if status.active else "[bold red]no[/]"
        table.add_row(
            Text(status.layer), active, Text(status.mechanism), Text(status.stops)
        )
    return table


def _measure_overhead(runs: int) -> dict[str, float]:
    """Time `runs` empty Python processes contained and plain; return medians."""
    plain = Limits(isolate_network=False, isolate_filesystem=False)
    contained = Limits()
    times: dict[str, list[float]] = {"contained": [], "plain": []}
    with tempfile.TemporaryDirectory(prefix="iac-doctor-") as temporary:
        root = Path(temporary)
        env = {"HOME": str(root), "TMPDIR": str(root), "PATH": "/usr/bin:/bin"}
        for _ in range(runs):
            for name, limits in (("contained", contained), ("plain", plain)):
                outcome = run_contained(
                    PROBE_PROGRAM, root, env, limits, root / "logs", writable=[root]
                )
                times[name].append(outcome.wall_seconds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    medians["overhead"] = medians["contained"] - medians["plain"]
    return medians
