"""Progress counts, and the recording of finished results and their duplicates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.batch._inputs import ResponseSpec
from harness.batch._store import RunStore
from harness.batch._worker import response_info
from harness.evaluation import Evaluation


@dataclass
class BatchProgress:
    """Counts of a running batch, passed to the progress callback after each result."""

    total: int
    reused: int = 0
    evaluated: int = 0
    passed: int = 0
    failed: int = 0
    model_errors: int = 0
    harness_errors: int = 0
    last_id: str | None = None

    @property
    def done(self) -> int:
        return self.reused + self.evaluated

    @property
    def model_failures(self) -> int:
        """Responses that failed an item or produced no templates (outcomes fail, model_error)."""
        return self.failed + self.model_errors

    def count(self, outcome: str) -> None:
        if outcome == "pass":
            self.passed += 1
        elif outcome == "fail":
            self.failed += 1
        elif outcome == "model_error":
            self.model_errors += 1
        else:
            self.harness_errors += 1

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "reused": self.reused,
            "evaluated": self.evaluated,
            "pass": self.passed,
            "fail": self.failed,
            "model_error": self.model_errors,
            "harness_error": self.harness_errors,
        }


def split_duplicates(
    specs: list[ResponseSpec], deduplicate: bool
) -> tuple[list[ResponseSpec], dict[str, list[ResponseSpec]]]:
    """Return the specs to evaluate and, per evaluated id, the specs that copy its result."""
    if not deduplicate:
        return specs, {}
    leaders: dict[str, ResponseSpec] = {}
    copies: dict[str, list[ResponseSpec]] = {}
    for spec in specs:
        leader = leaders.setdefault(spec.content_hash, spec)
        if leader is not spec:
            copies.setdefault(leader.id, []).append(spec)
    return list(leaders.values()), copies


class Recorder:
    """Store each finished result, and its copies for responses with equal content."""

    def __init__(
        self,
        store: RunStore,
        keys: dict[str, str],
        files: dict[str, str],
        progress: BatchProgress,
        on_progress: Callable[[BatchProgress], None] | None,
        copies: dict[str, list[ResponseSpec]],
    ) -> None:
        self.store = store
        self.keys = keys
        self.files = files
        self.progress = progress
        self.on_progress = on_progress
        self.copies = copies

    def __call__(
        self, spec: ResponseSpec, evaluation: Evaluation, seconds: float
    ) -> None:
        self._store(spec, evaluation, seconds, None)
        for duplicate in self.copies.get(spec.id, []):
            self._store(duplicate, _copy_for(evaluation, duplicate), 0.0, spec.id)

    def _store(
        self,
        spec: ResponseSpec,
        evaluation: Evaluation,
        seconds: float,
        copy_of: str | None,
    ) -> None:
        entry = self.store.write(evaluation, self.keys[spec.id], seconds, copy_of)
        self.files[spec.id] = entry.file
        self.progress.evaluated += 1
        self.progress.count(evaluation.outcome)
        self.progress.last_id = spec.id
        if self.on_progress:
            self.on_progress(self.progress)


def _copy_for(evaluation: Evaluation, spec: ResponseSpec) -> Evaluation:
    """Return `evaluation` as the result of `spec`, which has the same content."""
    copy = Evaluation.from_dict(evaluation.to_dict())
    copy.response = response_info(spec)
    copy.project = spec.project
    copy.synth.cache_hit = True
    copy.timings = {}
    return copy
