"""Run a batch: collect responses, evaluate the new ones durably, write aggregates."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from harness.batch._aggregate import collect_frames, leaderboard, write_frame
from harness.batch._inputs import (
    Columns,
    InputFile,
    ResponseSpec,
    collect_responses,
    spec_from_text,
)
from harness.batch._interrupt import STOP_EXCEPTIONS, interrupted, raise_on_signals
from harness.batch._pool import LocalPool, PoolLimits
from harness.batch._record import BatchProgress, Recorder, split_duplicates
from harness.batch._single import evaluate_ideal_project, resolve
from harness.batch._store import RunStore, resume_key
from harness.batch._summary import render_summary
from harness.batch._worker import (
    Evaluator,
    WorkerSetup,
    default_evaluator,
)
from harness.errors import ConfigError
from harness.evaluation import Evaluation
from harness.results import write_atomic
from harness.taxonomy import Task

if TYPE_CHECKING:
    from harness.pipeline import EvalSettings

logger = logging.getLogger(__name__)

Executor = Literal["local", "ray"]
EXECUTORS: tuple[str, ...] = ("local", "ray")


@dataclass
class BatchResult:
    """The aggregates of a finished batch and access to its Evaluation documents."""

    run_dir: Path
    task: Task
    scores: pd.DataFrame
    findings: pd.DataFrame
    leaderboard: pd.DataFrame
    progress: BatchProgress
    files: dict[str, str] = field(default_factory=dict)
    wall_seconds: float = 0.0

    def evaluation(self, response_id: str) -> Evaluation:
        """Load the stored Evaluation of `response_id`."""
        store = RunStore(self.run_dir)
        if response_id not in self.files:
            raise KeyError(
                f"no response {response_id!r} in the batch at {self.run_dir}"
            )
        return Evaluation.load(store.directory / self.files[response_id])

    def evaluations(self) -> Iterator[Evaluation]:
        """Yield every stored Evaluation, sorted by response id."""
        for response_id in sorted(self.files):
            yield self.evaluation(response_id)


@dataclass
class BatchOptions:
    """Execution options of a batch. None of them changes a result, so none is in the resume key.

    `timeout` is the wall-clock limit per response in seconds; None means three
    synthesis timeouts plus 120 s, because a rule may synthesize the response
    twice more. With `deduplicate`, a response whose content equals another's
    in the same batch is not evaluated again but gets a copy of its Evaluation.
    """

    jobs: int = 2
    executor: Executor = "local"
    resume: bool = False
    timeout: float | None = None
    memory_mb: float | None = 4096.0
    max_tasks_per_child: int = 25
    deduplicate: bool = True


def evaluate_batch(
    inputs: Iterable[str | Path] = (),
    *,
    run_dir: Path | str | None = None,
    ideal: Path | str | None = None,
    task: str | Task | None = None,
    settings: EvalSettings | None = None,
    options: BatchOptions | None = None,
    columns: Columns | None = None,
    texts: Mapping[str, str] | None = None,
    evaluator: Evaluator | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
) -> BatchResult:
    """Evaluate every response of `inputs` (and `texts`, id to markdown) into `run_dir`.

    Results already in `run_dir` are reused only with `options.resume`; a run
    directory with results and no resume is rejected. `evaluator` replaces
    `harness.pipeline.evaluate_project` (same signature). Raises ConfigError
    on invalid input and when the ideal cannot be evaluated, and
    BatchInterrupted on SIGINT or SIGTERM after stopping every worker.
    """
    options = options or BatchOptions()
    task_def, settings = resolve(task, settings)
    store = RunStore(_run_directory(run_dir))
    state = _RunState(
        store=store,
        task=task,
        task_def=task_def,
        settings=settings,
        options=options,
        evaluator=evaluator or default_evaluator(),
        on_progress=on_progress,
    )
    try:
        with raise_on_signals(), store.locked():
            return _run_locked(state, inputs, ideal, columns, texts)
    except STOP_EXCEPTIONS as error:
        raise interrupted(error, state.progress, store.directory) from None


@dataclass
class _RunState:
    """One batch's inputs, and its progress once known, for reporting a stop."""

    store: RunStore
    task: str | Task | None
    task_def: Task
    settings: EvalSettings
    options: BatchOptions
    evaluator: Evaluator
    on_progress: Callable[[BatchProgress], None] | None
    progress: BatchProgress | None = None


def _run_locked(
    state: _RunState,
    inputs: Iterable[str | Path],
    ideal: Path | str | None,
    columns: Columns | None,
    texts: Mapping[str, str] | None,
) -> BatchResult:
    """Evaluate the batch while `evaluate_batch` holds the run directory's lock."""
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    store, task, task_def = state.store, state.task, state.task_def
    settings, options, evaluator = state.settings, state.options, state.evaluator
    on_progress = state.on_progress
    _check_resume(store, options.resume)
    store.prepare()

    specs, input_files = _collect(inputs, texts, columns)
    ideal_eval, ideal_hash, ideal_path = _evaluate_ideal(
        ideal, task_def, settings, evaluator, store
    )
    settings_dict = settings.to_dict()
    keys = {
        spec.id: resume_key(spec.content_hash, task_def.id, settings_dict, ideal_hash)
        for spec in specs
    }
    reused = (
        store.reusable(specs, keys, task_def.id, settings_dict)
        if options.resume
        else {}
    )
    progress = BatchProgress(total=len(specs))
    state.progress = progress
    files = {spec_id: entry.file for spec_id, entry in reused.items()}
    for entry in reused.values():
        progress.reused += 1
        progress.count(entry.outcome)
    if on_progress:
        on_progress(progress)

    setup = WorkerSetup(
        token=_setup_token(task_def, settings_dict, ideal_hash),
        task=task if isinstance(task, Task) else task_def.id,
        settings=settings,
        ideal=ideal_eval.to_dict() if ideal_eval else None,
        evaluator=evaluator,
    )
    todo, copies = split_duplicates(
        [spec for spec in specs if spec.id not in reused], options.deduplicate
    )
    record = Recorder(store, keys, files, progress, on_progress, copies)
    logger.info(
        "batch: %d responses, %d reused, %d to evaluate with %s executor, %d jobs",
        len(specs),
        len(reused),
        len(todo),
        options.executor,
        options.jobs,
    )
    _make_pool(setup, settings, options).run(todo, record)

    result = _aggregate(store, task_def, specs, files, progress)
    result.wall_seconds = round(time.perf_counter() - start, 3)
    _write_manifest(
        store,
        task_def,
        settings_dict,
        options,
        input_files,
        ideal_path,
        ideal_hash,
        progress,
        started_at,
        result.wall_seconds,
    )
    return result


def _run_directory(run_dir: Path | str | None) -> Path:
    if run_dir is None:
        run_dir = tempfile.mkdtemp(prefix="iac-harness-batch-")
        logger.info("writing the batch to %s", run_dir)
    return Path(run_dir)


def _check_resume(store: RunStore, resume: bool) -> None:
    if store.has_results() and not resume:
        raise ConfigError(
            f"the run directory {store.directory} already has results; pass "
            "--resume to continue it, or choose a new directory"
        )


def _collect(
    inputs: Iterable[str | Path],
    texts: Mapping[str, str] | None,
    columns: Columns | None,
) -> tuple[list[ResponseSpec], list[InputFile]]:
    inputs = list(inputs)
    specs: list[ResponseSpec] = []
    files: list[InputFile] = []
    if inputs:
        specs, files = collect_responses(inputs, columns)
    if texts:
        taken = {spec.id for spec in specs}
        for response_id, text in sorted(texts.items()):
            if response_id in taken:
                raise ConfigError(
                    f"duplicate response id {response_id!r} in texts and inputs"
                )
            specs.append(
                spec_from_text(text, response_id, f"text:{response_id}", None, None)
            )
        specs.sort(key=lambda spec: spec.id)
    if not specs:
        raise ConfigError("no responses to evaluate: give inputs or texts")
    return specs, files


def _evaluate_ideal(
    ideal: Path | str | None,
    task: Task,
    settings: EvalSettings,
    evaluator: Evaluator,
    store: RunStore,
) -> tuple[Evaluation | None, str | None, str | None]:
    """Evaluate the ideal once (reusing `ideal.json` of the run when it matches)."""
    from harness.ingest import ingest

    path = Path(ideal) if ideal is not None else task.ideal
    if path is None:
        logger.warning("no ideal response for task %s: the diff is skipped", task.id)
        return None, None, None
    if not path.exists():
        raise ConfigError(f"ideal response not found: {path}; give an existing --ideal")
    project = ingest(path)
    content_hash = project.content_hash()
    key = resume_key(content_hash, task.id, settings.to_dict(), None)
    cached = _cached_ideal(store, key)
    if cached is not None:
        return cached, content_hash, str(path)
    evaluation = evaluate_ideal_project(project, path, task, settings, evaluator)
    document = {"key": key, "evaluation": evaluation.to_dict()}
    write_atomic(
        store.directory / "ideal.json", json.dumps(document, sort_keys=True) + "\n"
    )
    return evaluation, content_hash, str(path)


def _cached_ideal(store: RunStore, key: str) -> Evaluation | None:
    path = store.directory / "ideal.json"
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if document.get("key") != key:
        return None
    return Evaluation.from_dict(document["evaluation"])


def _setup_token(task: Task, settings: dict, ideal_hash: str | None) -> str:
    encoded = json.dumps([task.id, settings, ideal_hash], sort_keys=True, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def _make_pool(setup: WorkerSetup, settings: EvalSettings, options: BatchOptions):
    timeout = options.timeout or 3 * settings.timeout + 120.0
    limits = PoolLimits(
        jobs=options.jobs,
        timeout=timeout,
        memory_mb=options.memory_mb,
        max_tasks_per_child=options.max_tasks_per_child,
    )
    if options.executor == "local":
        return LocalPool(setup, limits)
    if options.executor == "ray":
        from harness.batch._ray import RayPool

        return RayPool(setup, limits)
    raise ConfigError(
        f"invalid executor {options.executor!r}; choose one of {', '.join(EXECUTORS)}"
    )


def _aggregate(
    store: RunStore,
    task: Task,
    specs: list[ResponseSpec],
    files: dict[str, str],
    progress: BatchProgress,
) -> BatchResult:
    """Write findings, scores, leaderboard and summary for the batch's responses."""
    missing = [spec.id for spec in specs if spec.id not in files]
    if missing:
        logger.error("no result for %d responses: %s", len(missing), missing[:10])
    stored = (
        Evaluation.load(store.directory / files[spec.id])
        for spec in specs
        if spec.id in files
    )
    findings, scores = collect_frames(stored, task)
    board = leaderboard(scores, findings, task)
    write_frame(findings, store.directory, "findings")
    write_frame(scores, store.directory, "scores")
    write_frame(board, store.directory, "leaderboard", parquet=False)
    summary = render_summary(task, scores, findings, board)
    write_atomic(store.directory / "summary.md", summary)
    return BatchResult(
        run_dir=store.directory,
        task=task,
        scores=scores,
        findings=findings,
        leaderboard=board,
        progress=progress,
        files={spec.id: files[spec.id] for spec in specs if spec.id in files},
    )


def _write_manifest(
    store: RunStore,
    task: Task,
    settings: dict,
    options: BatchOptions,
    inputs: list[InputFile],
    ideal_path: str | None,
    ideal_hash: str | None,
    progress: BatchProgress,
    started_at: datetime,
    wall_seconds: float,
) -> None:
    from harness import versions

    manifest = {
        "task": task.id,
        "settings": settings,
        "ideal": {"path": ideal_path, "content_hash": ideal_hash},
        "inputs": [vars(item) for item in inputs],
        "versions": versions.collect(),
        "counts": progress.to_dict(),
        "executor": options.executor,
        "jobs": options.jobs,
        "timeout_seconds": options.timeout,
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_seconds": wall_seconds,
    }
    write_atomic(
        store.directory / "manifest.json",
        json.dumps(manifest, indent=2, sort_keys=True) + "\n",
    )
