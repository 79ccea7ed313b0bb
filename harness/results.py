"""Tidy tables and result files rendered from Evaluation documents."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from harness.evaluation import Evaluation
from harness.taxonomy import Task

FINDING_COLUMNS = [
    "response_id",
    "model",
    "prompt_id",
    "task",
    "item",
    "slug",
    "severity",
    "category",
    "status",
    "root_cause",
    "consequence_of",
    "expected",
    "actual",
    "evidence",
]

SCORE_COLUMNS = [
    "response_id",
    "model",
    "prompt_id",
    "task",
    "outcome",
    "score",
    "deploy_score",
    "complete",
    "failed_critical",
    "failed_high",
    "failed_medium",
    "failed_low",
    "passed",
    "not_applicable",
    "errors",
    "deploy_errors",
    "deploy_warnings",
    "error_class",
    "blame",
    "language",
    "synth_seconds",
    "cache_hit",
    "diff_entries",
    "diff_explained_share",
]

DEPLOY_COLUMNS = [
    "response_id",
    "source",
    "rule",
    "level",
    "stack",
    "logical_id",
    "property_path",
    "message",
]


def findings_frame(evaluations: Iterable[Evaluation], task: Task) -> pd.DataFrame:
    """Return one row per response x taxonomy item, sorted by response then item."""
    rows = []
    for evaluation in evaluations:
        for finding in evaluation.findings:
            item = task.item(finding.item)
            rows.append(
                {
                    "response_id": evaluation.response.id,
                    "model": evaluation.response.model,
                    "prompt_id": evaluation.response.prompt_id,
                    "task": evaluation.task,
                    "item": finding.item,
                    "slug": item.slug,
                    "severity": item.severity.value,
                    "category": item.category,
                    "status": finding.status.value,
                    "root_cause": not finding.consequence_of,
                    "consequence_of": ",".join(finding.consequence_of),
                    "expected": finding.expected,
                    "actual": finding.actual,
                    "evidence": ";".join(
                        e.logical_id or e.file or "" for e in finding.evidence
                    ),
                }
            )
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    frame["item_order"] = pd.to_numeric(frame["item"], errors="coerce")
    frame = frame.sort_values(["response_id", "item_order", "item"]).drop(
        columns="item_order"
    )
    return frame.reset_index(drop=True)


def score_row(evaluation: Evaluation) -> dict:
    """Return the per-response summary row of the scores table."""
    score = evaluation.score
    failures = score.get("failures_by_severity", {})
    counts = score.get("status_counts", {})
    error = evaluation.synth.error
    diff = evaluation.diff or {}
    return {
        "response_id": evaluation.response.id,
        "model": evaluation.response.model,
        "prompt_id": evaluation.response.prompt_id,
        "task": evaluation.task,
        "outcome": evaluation.outcome,
        "score": score.get("score"),
        "deploy_score": score.get("deploy_score"),
        "complete": score.get("complete"),
        "failed_critical": failures.get("critical", 0),
        "failed_high": failures.get("high", 0),
        "failed_medium": failures.get("medium", 0),
        "failed_low": failures.get("low", 0),
        "passed": counts.get("pass", 0),
        "not_applicable": counts.get("not_applicable", 0),
        "errors": counts.get("error", 0),
        "deploy_errors": sum(d.level == "error" for d in evaluation.deploy),
        "deploy_warnings": sum(d.level == "warning" for d in evaluation.deploy),
        "error_class": error.error_class.value if error else None,
        "blame": error.blame if error else None,
        "language": evaluation.synth.language,
        "synth_seconds": evaluation.timings.get("synth"),
        "cache_hit": evaluation.synth.cache_hit,
        "diff_entries": len(diff.get("entries", [])) if diff else None,
        "diff_explained_share": diff.get("summary", {}).get("explained_share")
        if diff
        else None,
    }


def scores_frame(evaluations: Iterable[Evaluation]) -> pd.DataFrame:
    rows = [score_row(evaluation) for evaluation in evaluations]
    frame = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    return frame.sort_values("response_id").reset_index(drop=True)


def deploy_frame(evaluations: Iterable[Evaluation]) -> pd.DataFrame:
    rows = [
        {"response_id": evaluation.response.id, **finding.to_dict()}
        for evaluation in evaluations
        for finding in evaluation.deploy
    ]
    frame = pd.DataFrame(rows, columns=DEPLOY_COLUMNS)
    return frame.sort_values(
        ["response_id", "source", "rule", "logical_id"], na_position="first"
    ).reset_index(drop=True)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_evaluation(evaluation: Evaluation, directory: Path) -> Path:
    """Write the document as `evaluations/<id>.json`, with unsafe id characters replaced."""
    name = (
        re.sub(r"[^A-Za-z0-9._-]", "_", evaluation.response.id).lstrip(".")
        or "response"
    )
    path = directory / "evaluations" / f"{name}.json"
    write_atomic(path, evaluation.to_json() + "\n")
    return path


def load_evaluations(directory: Path) -> list[Evaluation]:
    """Load every Evaluation under `directory/evaluations`, sorted by response id."""
    paths = sorted((directory / "evaluations").glob("*.json"))
    return [Evaluation.from_dict(json.loads(p.read_text())) for p in paths]


def write_tables(
    evaluations: list[Evaluation], task: Task, directory: Path
) -> dict[str, Path]:
    """Write the findings, scores and deployability tables as CSV and parquet."""
    frames = {
        "findings": findings_frame(evaluations, task),
        "scores": scores_frame(evaluations),
        "deploy": deploy_frame(evaluations),
    }
    written = {}
    for name, frame in frames.items():
        csv_path = directory / f"{name}.csv"
        write_atomic(csv_path, frame.to_csv(index=False))
        parquet_path = directory / f"{name}.parquet"
        frame.to_parquet(parquet_path, index=False)
        written[f"{name}.csv"] = csv_path
        written[f"{name}.parquet"] = parquet_path
    return written
