"""Options and rendering shared by several commands."""

from __future__ import annotations

from pathlib import Path

import yaml
from rich.markup import escape
from rich.table import Table

from harness.errors import ConfigError
from harness.evaluation import Evaluation
from harness.findings import Status
from harness.taxonomy import Task

STATUS_STYLE = {
    Status.PASS: "green",
    Status.FAIL: "bold red",
    Status.NOT_APPLICABLE: "dim",
    Status.ERROR: "bold magenta",
}
SEVERITY_STYLE = {"critical": "red", "high": "yellow", "medium": "cyan", "low": "white"}

# Exit statuses of `evaluate` and `batch`.
EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_HARNESS_ERROR = 3


def parse_weights(weight_options: list[str], weights_file: Path | None) -> dict | None:
    """Merge a weights file (YAML/TOML/JSON mapping) and `severity=number` options."""
    weights: dict[str, float] = {}
    if weights_file is not None:
        weights.update(_read_mapping(weights_file))
    for option in weight_options:
        severity, sep, value = option.partition("=")
        if not sep:
            raise ConfigError(
                f"invalid --weight {option!r}: expected SEVERITY=NUMBER, "
                "for example --weight critical=10"
            )
        try:
            weights[severity.strip()] = float(value)
        except ValueError as exc:
            raise ConfigError(
                f"invalid --weight {option!r}: {value!r} is not a number"
            ) from exc
    return weights or None


def _read_mapping(path: Path) -> dict[str, float]:
    if not path.exists():
        raise ConfigError(f"weights file not found: {path}")
    text = path.read_text()
    try:
        if path.suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        else:
            data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:
        raise ConfigError(
            f"invalid weights file {path}: it does not parse ({exc}); "
            "write a mapping such as 'critical: 10'"
        ) from exc
    data = data.get("weights", data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        raise ConfigError(
            f"invalid weights file {path}: expected a mapping of severity to number, "
            "for example 'critical: 10'"
        )
    weights = {}
    for severity, value in data.items():
        try:
            weights[str(severity)] = float(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"invalid weights file {path}: {severity}={value!r} is not a number"
            ) from exc
    return weights


def findings_table(evaluation: Evaluation, task: Task) -> Table:
    table = Table(title=f"{evaluation.response.id}: {task.title}", show_lines=False)
    for column in ("#", "item", "severity", "status", "expected", "actual"):
        table.add_column(column, overflow="fold")
    for finding in evaluation.findings:
        item = task.item(finding.item)
        status = STATUS_STYLE.get(finding.status, "")
        note = (
            f" (consequence of {', '.join(finding.consequence_of)})"
            if finding.consequence_of
            else ""
        )
        table.add_row(
            finding.item,
            item.slug,
            f"[{SEVERITY_STYLE.get(item.severity.value, '')}]{item.severity.value}[/]",
            f"[{status}]{finding.status.value}[/]{note}",
            escape(finding.expected),
            escape(finding.actual or finding.message),
        )
    return table


def summary_line(evaluation: Evaluation) -> str:
    score = evaluation.score
    failures = score.get("failures_by_severity", {})
    parts = [f"{k} {v}" for k, v in failures.items() if v]
    error = evaluation.synth.error
    text = (
        f"[bold]{escape(evaluation.response.id)}[/]: "
        f"outcome [bold]{evaluation.outcome}[/], "
        f"score {_number(score.get('score'))}, "
        f"deployability {_number(score.get('deploy_score'))}"
    )
    if parts:
        text += f"; failures: {', '.join(parts)}"
    if error is not None:
        text += (
            f"\n  {error.blame} error \\[{error.error_class.value}]: "
            f"{escape(error.message)}"
        )
    return text


def _number(value: object) -> str:
    return "n/a" if value is None else str(value)


def exit_status(evaluations: list[Evaluation]) -> int:
    outcomes = {e.outcome for e in evaluations}
    if "harness_error" in outcomes:
        return EXIT_HARNESS_ERROR
    if outcomes & {"fail", "model_error"}:
        return EXIT_FAIL
    return EXIT_PASS
