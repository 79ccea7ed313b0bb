"""Detection validation: does each rule fire on a response with exactly its flaw?

For every taxonomy item the task's variant generator writes a copy of the ideal
with only that item's flaw. Evaluating all variants gives an items x items
matrix: row = the injected flaw, column = the item that failed. The expected
row is the item itself plus the items documented as its consequences.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.pipeline import EvalSettings, evaluate_path
from harness.findings import Status
from harness.taxonomy import Task


@dataclass
class DetectionRow:
    flaw: str
    fired: list[str]
    expected: list[str]
    outcome: str
    error: str | None = None

    @property
    def exact(self) -> bool:
        return self.fired == self.expected


@dataclass
class DetectionMatrix:
    task: str
    items: list[str]
    rows: list[DetectionRow] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(row.exact for row in self.rows) and len(self.rows) == len(self.items)

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "items": self.items,
            "exact": self.exact,
            "rows": [{**vars(row), "exact": row.exact} for row in self.rows],
        }


def expected_failures(task: Task, flaw: str) -> list[str]:
    """Return the flaw's own item plus the items documented as its consequences."""
    consequences = [item.id for item in task.items if flaw in item.consequence_of]
    return _ordered(task, {flaw, *consequences})


def detection_matrix(
    task: Task, ideal: Path, work_dir: Path, settings: EvalSettings | None = None
) -> DetectionMatrix:
    """Generate every single-flaw variant of `ideal`, evaluate each, and compare."""
    # Only the taxonomy verdicts matter here, so the slower stages are skipped.
    settings = replace(
        settings or EvalSettings(task=task.id), deployability=False, diff=False
    )
    variants = _variants_module(task).make_all_variants(ideal, work_dir)
    matrix = DetectionMatrix(task=task.id, items=[item.id for item in task.items])
    for flaw in matrix.items:
        evaluation = evaluate_path(
            variants[flaw], settings=settings, response_id=f"flaw-{flaw}"
        )
        fired = {f.item for f in evaluation.findings if f.status is Status.FAIL}
        error = evaluation.synth.error
        matrix.rows.append(
            DetectionRow(
                flaw=flaw,
                fired=_ordered(task, fired),
                expected=expected_failures(task, flaw),
                outcome=evaluation.outcome,
                error=error.message if error else None,
            )
        )
    return matrix


def _variants_module(task: Task):
    return importlib.import_module(
        f"harness.tasks.{task.id.replace('-', '_')}.variants"
    )


def _ordered(task: Task, ids: set[str]) -> list[str]:
    order = [item.id for item in task.items]
    return sorted(ids, key=lambda i: order.index(i) if i in order else len(order))
