"""Loading and plotting helpers for the analysis notebook.

They keep the notebook's cells short and its outputs deterministic: rows are
sorted, colours fixed, and no path or time reaches an output.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from harness.evaluation import Evaluation
from harness.results import deploy_frame, findings_frame, load_evaluations, scores_frame
from harness.taxonomy import Task, load_task

logger = logging.getLogger(__name__)

SEVERITY_COLORS = {
    "critical": "#b2182b",
    "high": "#ef8a62",
    "medium": "#e6ab02",
    "low": "#67a9cf",
}
# Integer codes of the verdict heatmap, in colour-map order.
STATUS_CODES = {"pass": 0, "fail": 1, "not_applicable": 2, "error": 3}
STATUS_COLORS = {
    "pass": "#1a9850",
    "fail": "#d73027",
    "not_applicable": "#d9d9d9",
    "error": "#7b3294",
}

REPO_ROOT = Path(__file__).resolve().parent.parent


def ensure_results(results_dir: str | Path | None) -> Path:
    """Return the results directory to read, making the bundled run if it is missing."""
    if results_dir is not None:
        path = Path(results_dir)
        if not (path / "evaluations").is_dir():
            raise FileNotFoundError(
                f"no evaluations/ folder in {path}: run `iac-harness evaluate` or "
                "`iac-harness batch` with -o pointing there first"
            )
        return path
    path = REPO_ROOT / "results"
    if not (path / "evaluations").is_dir():
        make_bundled_run(path)
    return path


def make_bundled_run(output: Path) -> None:
    """Evaluate the bundled model against the bundled ideal, with the detection matrix."""
    from harness.detection import detection_matrix
    from harness.pipeline import EvalSettings, evaluate_to_directory

    responses = REPO_ROOT / "responses"
    logger.info("making the bundled run in %s", output)
    settings = EvalSettings()
    evaluate_to_directory(
        responses / "model", output, ideal=responses / "ideal", settings=settings
    )
    task = load_task(settings.task)
    with tempfile.TemporaryDirectory(prefix="iac-harness-variants-") as work:
        matrix = detection_matrix(task, responses / "ideal", Path(work))
    (output / "detection.json").write_text(
        json.dumps(matrix.to_dict(), indent=2) + "\n"
    )


@dataclass
class Run:
    """A results directory loaded as Evaluations and tidy tables."""

    directory: Path
    evaluations: list[Evaluation]
    task: Task

    @cached_property
    def findings(self) -> pd.DataFrame:
        return findings_frame(self.evaluations, self.task)

    @cached_property
    def scores(self) -> pd.DataFrame:
        return scores_frame(self.evaluations).set_index("response_id", drop=False)

    @cached_property
    def deploy(self) -> pd.DataFrame:
        return deploy_frame(self.evaluations)

    @cached_property
    def detection(self) -> dict | None:
        path = self.directory / "detection.json"
        return json.loads(path.read_text()) if path.exists() else None

    @cached_property
    def diff_summary(self) -> pd.DataFrame:
        rows = []
        for evaluation in self.evaluations:
            diff = evaluation.diff
            if not diff:
                continue
            entries = diff.get("entries", [])
            rows.append(
                {
                    "response_id": evaluation.response.id,
                    "entries": len(entries),
                    "explained": sum(bool(_items(e)) for e in entries),
                    "unexplained": sum(not _items(e) for e in entries),
                    "explained_share": round(
                        float(diff.get("summary", {}).get("explained_share", 0.0)), 3
                    ),
                }
            )
        columns = [
            "response_id",
            "entries",
            "explained",
            "unexplained",
            "explained_share",
        ]
        return (
            pd.DataFrame(rows, columns=columns)
            .sort_values("response_id")
            .reset_index(drop=True)
        )

    @cached_property
    def unexplained(self) -> pd.DataFrame:
        rows = [
            {"response_id": evaluation.response.id, **_entry_row(entry)}
            for evaluation in self.evaluations
            for entry in (evaluation.diff or {}).get("entries", [])
            if not _items(entry)
        ]
        columns = ["response_id", "kind", "resource_type", "path", "ideal", "model"]
        return (
            pd.DataFrame(rows, columns=columns)
            .sort_values(["response_id", "kind", "resource_type", "path"])
            .reset_index(drop=True)
        )

    def report_text(self, response_id: str | None = None) -> str | None:
        """Return the markdown report of one response (default: the first non-ideal one)."""
        reports = self.directory / "reports"
        if response_id is None:
            ids = [
                e.response.id
                for e in self.evaluations
                if e.settings.get("role") != "ideal"
            ]
            if not ids:
                return None
            response_id = ids[0]
        path = reports / f"{response_id}.md"
        return path.read_text() if path.exists() else None


def load_run(directory: Path) -> Run:
    evaluations = load_evaluations(directory)
    if not evaluations:
        raise FileNotFoundError(
            f"no evaluation documents in {directory / 'evaluations'}"
        )
    return Run(
        directory=directory,
        evaluations=evaluations,
        task=load_task(evaluations[0].task),
    )


def _items(entry: dict) -> list:
    return list(entry.get("items") or [])


def _entry_row(entry: dict) -> dict:
    return {
        "kind": entry.get("kind"),
        "resource_type": entry.get("type"),
        "path": entry.get("path") or entry.get("role"),
        "ideal": _short(entry.get("ideal_value")),
        "model": _short(entry.get("model_value")),
    }


def _short(value: object, limit: int = 60) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
