"""summary.md of a batch run: counts, leaderboard, item failure rates, errors."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from harness.taxonomy import Task


def render_summary(
    task: Task, scores: pd.DataFrame, findings: pd.DataFrame, board: pd.DataFrame
) -> str:
    """Render the run's summary as markdown. It contains no times, so equal runs give equal text."""
    lines = [f"# Batch summary: {task.title}", ""]
    lines += _counts_section(scores)
    lines += _leaderboard_section(board)
    lines += _items_section(task, findings)
    lines += _errors_section(scores)
    return "\n".join(lines).rstrip() + "\n"


def _counts_section(scores: pd.DataFrame) -> list[str]:
    outcomes = Counter(scores["outcome"])
    lines = [
        f"Task `{_task_id(scores)}`, {len(scores)} responses.",
        "",
        "| outcome | responses |",
        "|---|---|",
    ]
    for outcome in ("pass", "fail", "model_error", "harness_error"):
        lines.append(f"| {outcome} | {outcomes.get(outcome, 0)} |")
    return lines + [""]


def _leaderboard_section(board: pd.DataFrame) -> list[str]:
    lines = [
        "## Leaderboard",
        "",
        (
            "Mean score over responses that were scored (harness errors excluded; "
            "a response without templates scores 0), with a 95% Student t interval "
            "clipped to the score range 0 to 100."
        ),
        "",
        "| model | responses | mean score | 95% CI | pass rate | pass@1 | harness errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in board.to_dict("records"):
        interval = (
            f"{row['ci95_low']:.1f} to {row['ci95_high']:.1f}"
            if not math.isnan(row["ci95_low"])
            else "n/a"
        )
        lines.append(
            f"| {row['model']} | {row['responses']} | {_number(row['mean_score'], 1)} "
            f"| {interval} | {_percent(row['pass_rate'])} | {_percent(row['pass@1'])} "
            f"| {row['harness_errors']} |"
        )
    return lines + [""]


def _items_section(task: Task, findings: pd.DataFrame) -> list[str]:
    lines = [
        "## Failure rate per item",
        "",
        (
            "Share of responses, among those where the item was decided "
            "(pass or fail), that failed it."
        ),
        "",
        "| # | item | severity | failed | decided | rate |",
        "|---|---|---|---|---|---|",
    ]
    decided = findings[findings["status"].isin(["pass", "fail"])]
    for item in task.items:
        rows = decided[decided["item"] == item.id]
        failed = int((rows["status"] == "fail").sum())
        rate = _percent(failed / len(rows)) if len(rows) else "n/a"
        lines.append(
            f"| {item.id} | {item.slug} | {item.severity.value} | {failed} "
            f"| {len(rows)} | {rate} |"
        )
    return lines + [""]


def _errors_section(scores: pd.DataFrame) -> list[str]:
    errors = scores[scores["error_class"].notna()]
    if errors.empty:
        return ["## Errors", "", "No response failed to evaluate.", ""]
    lines = [
        "## Errors",
        "",
        "| error class | blame | responses | examples |",
        "|---|---|---|---|",
    ]
    grouped = errors.groupby(["error_class", "blame"], sort=True, dropna=False)
    for (error_class, blame), group in grouped:
        examples = ", ".join(f"`{i}`" for i in sorted(group["response_id"])[:5])
        lines.append(f"| {error_class} | {blame} | {len(group)} | {examples} |")
    return lines + [""]


def _task_id(scores: pd.DataFrame) -> str:
    return str(scores["task"].iloc[0]) if len(scores) else ""


def _number(value: float, digits: int) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _percent(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f}%"
