"""The failure-analysis report: markdown, JSON and SARIF, from Evaluation documents.

`build_report` assembles the data once; the three renderings read it, so they
agree line for line on what failed and where.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.evaluation import Evaluation
from harness.report._build import REPORT_SCHEMA, REPORT_VERSION, build_report
from harness.report._markdown import render_report_markdown
from harness.report._sarif import render_report_sarif
from harness.results import write_atomic
from harness.taxonomy import Task

__all__ = [
    "REPORT_SCHEMA",
    "REPORT_VERSION",
    "build_report",
    "render_json",
    "render_markdown",
    "render_sarif",
    "report_stem",
    "write_reports",
]


def render_markdown(
    model: Evaluation, task: Task, ideal: Evaluation | None = None
) -> str:
    """Return the failure-analysis report on `model` as a markdown document."""
    return render_report_markdown(build_report(model, task, ideal))


def render_json(model: Evaluation, task: Task, ideal: Evaluation | None = None) -> str:
    """Return the report's sections as JSON, the twin of the markdown."""
    return json.dumps(build_report(model, task, ideal), indent=2, sort_keys=True) + "\n"


def render_sarif(model: Evaluation, task: Task, ideal: Evaluation | None = None) -> str:
    """Return the report as a SARIF 2.1.0 log."""
    log = render_report_sarif(build_report(model, task, ideal), task)
    return json.dumps(log, indent=2, sort_keys=True) + "\n"


def report_stem(model: Evaluation) -> str:
    """Return a file-name stem for the report on `model`, from its response id."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", model.response.id).strip("._")
    return stem or "response"


def write_reports(
    model_eval: Evaluation,
    task: Task,
    ideal_eval: Evaluation | None,
    out_dir: Path,
    stem: str | None = None,
) -> dict[str, Path]:
    """Write `<stem>.md`, `<stem>.json` and `<stem>.sarif` into `out_dir`.

    The stem defaults to the response id. Returns the paths keyed by
    "markdown", "json" and "sarif".
    """
    report = build_report(model_eval, task, ideal_eval)
    stem = stem or report_stem(model_eval)
    paths = {
        "markdown": out_dir / f"{stem}.md",
        "json": out_dir / f"{stem}.json",
        "sarif": out_dir / f"{stem}.sarif",
    }
    write_atomic(paths["markdown"], render_report_markdown(report))
    write_atomic(paths["json"], json.dumps(report, indent=2, sort_keys=True) + "\n")
    sarif = render_report_sarif(report, task)
    write_atomic(paths["sarif"], json.dumps(sarif, indent=2, sort_keys=True) + "\n")
    return paths
