"""Evaluate one response from Python, with the ideal's evaluation computed once."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from harness._project import Project
from harness.batch._worker import Evaluator, default_evaluator
from harness.errors import ConfigError
from harness.evaluation import Evaluation, ResponseInfo
from harness.taxonomy import Task, load_task

if TYPE_CHECKING:
    from harness.pipeline import EvalSettings

logger = logging.getLogger(__name__)

_IDEALS: dict[tuple[str, str, str, str], Evaluation] = {}
_IDEALS_LOCK = threading.Lock()


def resolve(
    task: str | Task | None, settings: EvalSettings | None
) -> tuple[Task, EvalSettings]:
    """Return the task and settings to use; their task ids must agree."""
    from harness.pipeline import DEFAULT_TASK, EvalSettings

    task_id = task.id if isinstance(task, Task) else task
    if settings is None:
        settings = EvalSettings(task=task_id or DEFAULT_TASK)
    elif task_id is not None and task_id != settings.task:
        raise ConfigError(
            f"the task {task_id!r} differs from the settings' task {settings.task!r}; "
            "give one of them"
        )
    return (task if isinstance(task, Task) else load_task(settings.task)), settings


def ideal_evaluation(
    ideal: Evaluation | Path | str | None,
    task: Task,
    settings: EvalSettings,
    evaluator: Evaluator | None = None,
) -> Evaluation | None:
    """Return the ideal's Evaluation, evaluated once per task, content, settings and evaluator.

    `ideal` None means the task's bundled ideal; a task without one gives None.
    """
    if isinstance(ideal, Evaluation):
        return ideal
    from harness.ingest import ingest

    path = Path(ideal) if ideal is not None else task.ideal
    if path is None:
        return None
    if not path.exists():
        raise ConfigError(f"ideal response not found: {path}; give an existing path")
    project = ingest(path)
    settings_key = json.dumps(settings.to_dict(), sort_keys=True, default=str)
    evaluator_name = _qualified_name(evaluator or default_evaluator())
    key = (task.id, project.content_hash(), settings_key, evaluator_name)
    with _IDEALS_LOCK:
        cached = _IDEALS.get(key)
        if cached is None:
            cached = evaluate_ideal_project(project, path, task, settings, evaluator)
            _IDEALS[key] = cached
    return cached


def _qualified_name(function: Evaluator) -> str:
    module = getattr(function, "__module__", "")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"


def evaluate_ideal_project(
    project: Project,
    path: Path,
    task: Task,
    settings: EvalSettings,
    evaluator: Evaluator | None,
) -> Evaluation:
    """Evaluate the ideal project; raise ConfigError when it yields no templates."""
    evaluator = evaluator or default_evaluator()
    info = ResponseInfo(
        id="ideal",
        source=str(path),
        kind=project.kind,
        content_hash=project.content_hash(),
    )
    evaluation = evaluator(project, info=info, ideal=None, settings=settings, task=task)
    evaluation.settings["role"] = "ideal"
    if evaluation.outcome in ("model_error", "harness_error"):
        error = evaluation.synth.error
        raise ConfigError(
            f"the ideal response {path} could not be evaluated ({evaluation.outcome}: "
            f"{error.message if error else 'no detail'}); check the ideal path"
        )
    if evaluation.outcome == "fail":
        logger.warning(
            "the ideal response %s fails some items of task %s", path, task.id
        )
    return evaluation


def evaluate(
    response: str | Path | Project,
    *,
    ideal: Evaluation | Path | str | None = None,
    task: str | Task | None = None,
    settings: EvalSettings | None = None,
    response_id: str | None = None,
    model: str | None = None,
    prompt_id: str | None = None,
    evaluator: Evaluator | None = None,
) -> Evaluation:
    """Evaluate one response: a Project, a path (directory or markdown), or markdown text.

    A `str` is read as a path when it names an existing file or folder and has
    no line break. Any other `str` is the markdown text of the response.
    """
    task_def, settings = resolve(task, settings)
    project, source = _as_project(response, response_id)
    ideal_eval = ideal_evaluation(ideal, task_def, settings, evaluator)
    info = ResponseInfo(
        id=response_id or project.name,
        source=source,
        kind=project.kind,
        content_hash=project.content_hash(),
        model=model,
        prompt_id=prompt_id,
    )
    evaluator = evaluator or default_evaluator()
    return evaluator(
        project, info=info, ideal=ideal_eval, settings=settings, task=task_def
    )


def _as_project(
    response: str | Path | Project, response_id: str | None
) -> tuple[Project, str]:
    from harness.ingest import ingest, ingest_text

    if isinstance(response, Project):
        return response, response.name
    if isinstance(response, Path):
        if not response.exists():
            raise ConfigError(f"response not found: {response}")
        return ingest(response), str(response)
    if "\n" not in response and response and Path(response).exists():
        return ingest(Path(response)), response
    name = response_id or "response"
    return ingest_text(response, name), f"text:{name}"
