"""The main job: evaluate one response against a task and, optionally, its ideal.

Stages run in order (ingest, synthesize, rules, deployability, diff, score);
a stage that raises is a harness error, recorded in the result and never
scored as a model failure.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import versions
from harness._project import Project
from harness._synth_result import SynthResult
from harness.errors import ConfigError, ErrorClass, ResponseError
from harness.evaluation import Evaluation, Outcome, ResponseInfo
from harness.findings import Finding, Severity, Status
from harness.taxonomy import RuleContext, Task, load_task

logger = logging.getLogger(__name__)

DEFAULT_TASK = "pci-payment-vpc"


@dataclass
class EvalSettings:
    """Settings of one evaluation; everything that can change a result."""

    task: str = DEFAULT_TASK
    region: str = "us-east-1"
    account: str = "123456789012"
    weights: dict[str, float] | None = None
    root_causes_only: bool = False
    deployability: bool = True
    diff: bool = True
    use_cache: bool = True
    timeout: float = 120.0
    isolation: str = "standard"
    typecheck: bool = False
    extra_context: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.weights is not None:
            _check_weights(self.weights)
        if not (self.timeout > 0 and math.isfinite(self.timeout)):
            raise ConfigError(
                f"invalid timeout {self.timeout!r}: expected a number of seconds > 0"
            )
        _check_region(self.region)

    def to_dict(self) -> dict:
        return {
            "task": self.task,
            "region": self.region,
            "account": self.account,
            "weights": self.weights,
            "root_causes_only": self.root_causes_only,
            "deployability": self.deployability,
            "diff": self.diff,
            "timeout": self.timeout,
            "isolation": self.isolation,
            "typecheck": self.typecheck,
            "extra_context": self.extra_context,
        }


def _check_weights(weights: dict[str, float]) -> None:
    known = [severity.value for severity in Severity]
    for severity, weight in weights.items():
        if severity not in known:
            raise ConfigError(
                f"invalid weight for {severity!r}: unknown severity; "
                f"use one of {', '.join(known)}"
            )
        if not (
            isinstance(weight, int | float) and math.isfinite(weight) and weight >= 0
        ):
            raise ConfigError(
                f"invalid weight {severity}={weight!r}: expected a finite number >= 0"
            )
    if weights and all(weights.get(s, 1) == 0 for s in known):
        raise ConfigError(
            "invalid weights: every severity weighs 0, so no score can be computed; "
            "give at least one severity a positive weight"
        )


def _check_region(region: str) -> None:
    from cfnlint.helpers import REGIONS

    if region not in REGIONS:
        raise ConfigError(
            f"invalid region {region!r}: not an AWS region that cfn-lint knows; "
            "use a region name such as us-east-1 or eu-west-1"
        )


def evaluate_path(
    path: Path | str,
    *,
    ideal: Evaluation | Path | str | None = None,
    settings: EvalSettings | None = None,
    response_id: str | None = None,
    model_name: str | None = None,
) -> Evaluation:
    """Ingest the response at `path` and evaluate it."""
    from harness.ingest import ingest

    settings = settings or EvalSettings()
    project = ingest(Path(path))
    ideal_eval = _as_ideal(ideal, settings)
    info = ResponseInfo(
        id=response_id or project.name,
        source=str(_document_path(Path(path), project)),
        kind=project.kind,
        content_hash=project.content_hash(),
        model=model_name,
    )
    return evaluate_project(project, info=info, ideal=ideal_eval, settings=settings)


def _document_path(path: Path, project: Project) -> Path:
    """Return the markdown file a folder response was read from, else `path`."""
    if path.is_dir() and project.kind == "markdown":
        documents = sorted(path.glob("*.md"))
        if len(documents) == 1:
            return documents[0]
    return path


def evaluate_ideal(
    path: Path | str, settings: EvalSettings | None = None
) -> Evaluation:
    """Evaluate an ideal response on its own; it is the calibration for the rules."""
    evaluation = evaluate_path(path, settings=settings, response_id="ideal")
    evaluation.settings["role"] = "ideal"
    return evaluation


def _as_ideal(
    ideal: Evaluation | Path | str | None, settings: EvalSettings
) -> Evaluation | None:
    if ideal is None or isinstance(ideal, Evaluation):
        return ideal
    return evaluate_ideal(ideal, settings)


def evaluate_project(
    project: Project,
    *,
    info: ResponseInfo,
    ideal: Evaluation | None = None,
    settings: EvalSettings | None = None,
    task: Task | None = None,
) -> Evaluation:
    """Run every stage on an ingested project and return its Evaluation."""
    settings = settings or EvalSettings()
    task = task or load_task(settings.task)
    timings: dict[str, float] = {}
    evaluation = Evaluation(
        response=info,
        task=task.id,
        outcome="pass",
        synth=SynthResult(language=None, entry=None),
        project=project,
        versions=versions.collect(),
        settings=settings.to_dict(),
        timings=timings,
    )
    stage = "synthesis"
    try:
        evaluation.synth = _timed(
            timings, "synth", lambda: _synthesize(project, settings)
        )
        stage = "rules"
        evaluation.findings = _timed(
            timings,
            "rules",
            lambda: _run_rules(task, project, evaluation.synth, settings),
        )
        if evaluation.synth.ok and settings.deployability:
            stage = "deployability"
            evaluation.deploy = _timed(
                timings,
                "deploy",
                lambda: _deployability(evaluation.synth, project, settings),
            )
        if (
            evaluation.synth.ok
            and ideal is not None
            and ideal.synth.ok
            and settings.diff
        ):
            stage = "diff"
            evaluation.diff = _timed(
                timings, "diff", lambda: _diff(ideal, evaluation, task, settings)
            )
        stage = "score"
        evaluation.score = _score(evaluation, task, settings)
    except Exception as exc:
        logger.exception("harness failed in %s on response %s", stage, info.id)
        evaluation.synth.error = evaluation.synth.error or ResponseError(
            ErrorClass.HARNESS_ERROR,
            f"the harness failed during {stage}: {type(exc).__name__}: {exc}",
        )
        evaluation.outcome = "harness_error"
        evaluation.settings["failed_stage"] = stage
        return evaluation
    evaluation.outcome = _outcome(evaluation)
    return evaluation


def _timed(timings: dict[str, float], name: str, call: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    try:
        return call()
    finally:
        timings[name] = round(time.perf_counter() - start, 4)


def _synth_settings(
    settings: EvalSettings,
    env: dict[str, str] | None = None,
    context: dict[str, Any] | None = None,
):
    from harness.synth import SynthSettings

    return SynthSettings(
        region=settings.region,
        account=settings.account,
        timeout=settings.timeout,
        use_cache=settings.use_cache,
        extra_context={**settings.extra_context, **(context or {})},
        extra_env=dict(env or {}),
        isolation=settings.isolation,
        typecheck=settings.typecheck,
    )


def _synthesize(
    project: Project, settings: EvalSettings, env=None, context=None
) -> SynthResult:
    from harness import cfn
    from harness.synth import synthesize

    if cfn.is_template_response(project):
        return cfn.synthesize_template(project, settings, parameters=context or None)
    return synthesize(project, _synth_settings(settings, env, context))


def _run_rules(
    task: Task, project: Project, synth: SynthResult, settings: EvalSettings
) -> list[Finding]:
    from harness.rules_engine import run_rules
    from harness.template import TemplateModel

    model = TemplateModel.from_synth(synth, settings.region, settings.account)
    resynth = None
    if synth.ok and synth.language in ("typescript", "python"):

        def resynth(env: dict[str, str], context: dict[str, Any]) -> SynthResult:
            return _synthesize(project, settings, env, context)

    ctx = RuleContext(project=project, synth=synth, model=model, resynth=resynth)
    error = synth.error
    if error is None or error.blame == "model":
        # A response that produced no templates fails every template item.
        return run_rules(task, ctx, on_synth_failure="fail")
    return [_unchecked(finding, error) for finding in run_rules(task, ctx)]


def _unchecked(finding: Finding, error: ResponseError) -> Finding:
    """Mark an item the harness could not check, because its own synthesis failed."""
    if finding.status is not Status.NOT_APPLICABLE:
        return finding
    return Finding(
        finding.item,
        Status.ERROR,
        message=f"not checked: the harness failed to synthesize ({error.message})",
    )


def _deployability(synth: SynthResult, project: Project, settings: EvalSettings):
    from harness.deploy import check_deployability
    from harness.deploy_cache import cached_findings
    from harness.synth import harness_home

    directory = harness_home() / "deploy" if settings.use_cache else None
    return cached_findings(
        synth.stacks,
        settings.region,
        project,
        lambda: check_deployability(synth.stacks, settings.region, project),
        directory,
    )


def _diff(
    ideal: Evaluation, evaluation: Evaluation, task: Task, settings: EvalSettings
):
    from harness.diff import diff_templates, load_attribution

    result = diff_templates(
        ideal.synth.stacks,
        evaluation.synth.stacks,
        attribution=load_attribution(task.id),
        region=settings.region,
    )
    return result.to_dict()


def _score(evaluation: Evaluation, task: Task, settings: EvalSettings) -> dict:
    from harness import score as scoring

    weights = (
        scoring.Weights.from_mapping(settings.weights) if settings.weights else None
    )
    result = scoring.score(
        evaluation.findings,
        task.items,
        weights=weights,
        root_causes_only=settings.root_causes_only,
    )
    error = evaluation.synth.error
    if error is not None and error.blame == "model":
        result["score"] = 0.0
        result["note"] = "the response produced no templates, so it scores 0"
    elif error is not None:
        result["score"] = None
        result["note"] = "the harness failed to synthesize the response; no score"
    synthesized = evaluation.synth.ok
    result["deploy_score"] = (
        scoring.deploy_score(evaluation.deploy) if synthesized else None
    )
    return result


def _outcome(evaluation: Evaluation) -> Outcome:
    error = evaluation.synth.error
    if error is not None:
        return "harness_error" if error.blame == "harness" else "model_error"
    if any(f.status is Status.ERROR for f in evaluation.findings):
        return "harness_error"
    if any(f.status is Status.FAIL for f in evaluation.findings):
        return "fail"
    return "pass"


def with_settings(settings: EvalSettings, **changes: Any) -> EvalSettings:
    return replace(settings, **changes)


def evaluate_to_directory(
    model: Path | str,
    output: Path,
    *,
    ideal: Path | str | None = None,
    settings: EvalSettings | None = None,
    report: bool = True,
) -> tuple[Evaluation, Evaluation | None]:
    """Evaluate `model` (and the ideal) and write results, tables and reports to `output`."""
    from harness.results import load_evaluations, write_evaluation, write_tables

    settings = settings or EvalSettings()
    task = load_task(settings.task)
    ideal_eval = evaluate_ideal(ideal, settings) if ideal is not None else None
    model_eval = evaluate_path(
        model, ideal=ideal_eval, settings=settings, response_id=_model_id(Path(model))
    )
    for evaluation in (ideal_eval, model_eval):
        if evaluation is not None:
            write_evaluation(evaluation, output)
    # The tables cover every evaluation in the directory, as the documents do.
    write_tables(load_evaluations(output), task, output)
    if report:
        from harness.report import write_reports

        reports = output / "reports"
        write_reports(model_eval, task, ideal_eval, reports)
        if ideal_eval is not None:
            write_reports(ideal_eval, task, None, reports)
    return model_eval, ideal_eval


GENERIC_DOCUMENT_NAMES = {"MODEL_RESPONSE", "IDEAL_RESPONSE", "RESPONSE", "README"}


def _model_id(path: Path) -> str:
    """Name the model's result after its file or folder, never clashing with the ideal's.

    A document with a generic dataset name (MODEL_RESPONSE.md) is named after
    its folder, so that responses of different tasks get different ids.
    """
    resolved = path.resolve()
    name = resolved.stem or "model"
    if name.upper() in GENERIC_DOCUMENT_NAMES and resolved.parent.name:
        name = resolved.parent.name
    return "model" if name == "ideal" else name
