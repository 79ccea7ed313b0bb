"""Batch worker code: evaluate one response with a setup shared by all responses.

A worker loads the task and the ideal's evaluation once, then evaluates many
responses. The evaluate function is injected so that the batch machinery does
not depend on which pipeline it drives.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from harness._synth_result import SynthResult
from harness.errors import ErrorClass, ResponseError
from harness.evaluation import Evaluation, Outcome, ResponseInfo

if TYPE_CHECKING:
    from harness._project import Project
    from harness.batch._inputs import ResponseSpec
    from harness.pipeline import EvalSettings
    from harness.taxonomy import Task

logger = logging.getLogger(__name__)


class Evaluator(Protocol):
    """The signature of `harness.pipeline.evaluate_project`, which batches call."""

    def __call__(
        self,
        project: Project,
        *,
        info: ResponseInfo,
        ideal: Evaluation | None,
        settings: EvalSettings,
        task: Task,
    ) -> Evaluation: ...


def default_evaluator() -> Evaluator:
    from harness.pipeline import evaluate_project

    return evaluate_project


@dataclass
class WorkerSetup:
    """Everything a worker needs besides the response; sent once per worker.

    `token` identifies the setup so that a worker loads it once even when it
    receives a fresh copy with every response (as Ray tasks do).
    """

    token: str
    task: str | Task
    settings: EvalSettings
    ideal: dict[str, Any] | None = None
    evaluator: Evaluator | None = None


@dataclass
class _LoadedSetup:
    task: Task
    settings: EvalSettings
    ideal: Evaluation | None
    evaluator: Evaluator


@dataclass
class _WorkerState:
    loaded: dict[str, _LoadedSetup] = field(default_factory=dict)


_STATE = _WorkerState()


def load_setup(setup: WorkerSetup) -> _LoadedSetup:
    """Load the task and the ideal's evaluation once per worker and setup."""
    key = setup.token
    loaded = _STATE.loaded.get(key)
    if loaded is None:
        from harness.taxonomy import load_task

        ideal = Evaluation.from_dict(setup.ideal) if setup.ideal else None
        task = setup.task if not isinstance(setup.task, str) else load_task(setup.task)
        loaded = _LoadedSetup(
            task=task,
            settings=setup.settings,
            ideal=ideal,
            evaluator=setup.evaluator or default_evaluator(),
        )
        _STATE.loaded = {key: loaded}
    return loaded


def evaluate_spec(setup: WorkerSetup, spec: ResponseSpec) -> Evaluation:
    """Evaluate one response; an ingest-rejected response becomes a model error."""
    loaded = load_setup(setup)
    info = response_info(spec)
    if spec.project is None:
        error = spec.ingest_error or ResponseError(
            ErrorClass.UNPARSEABLE_RESPONSE, "ingest produced no project"
        )
        return failed_evaluation(spec, loaded.settings, error)
    start = time.perf_counter()
    evaluation = loaded.evaluator(
        spec.project,
        info=info,
        ideal=loaded.ideal,
        settings=loaded.settings,
        task=loaded.task,
    )
    evaluation.response = info
    evaluation.timings.setdefault("total", round(time.perf_counter() - start, 4))
    return evaluation


def response_info(spec: ResponseSpec) -> ResponseInfo:
    return ResponseInfo(
        id=spec.id,
        source=spec.source,
        kind=spec.kind,
        content_hash=spec.content_hash,
        model=spec.model,
        prompt_id=spec.prompt_id,
    )


def failed_evaluation(
    spec: ResponseSpec,
    settings: EvalSettings,
    error: ResponseError,
    outcome: Outcome | None = None,
) -> Evaluation:
    """Build the Evaluation of a response whose evaluation could not run or finish.

    A model-blamed error scores 0; a harness error has no score.
    """
    outcome = outcome or (
        "harness_error" if error.blame == "harness" else "model_error"
    )
    from harness import versions

    score: dict[str, Any] = {"score": 0.0} if outcome == "model_error" else {}
    return Evaluation(
        response=response_info(spec),
        task=settings.task,
        outcome=outcome,
        synth=SynthResult(language=None, entry=None, error=error),
        score=score,
        project=spec.project,
        versions=versions.collect(),
        settings=settings.to_dict(),
    )
