"""Synthesize one response in a subprocess: the cold path, with the result cache."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from harness._project import Project
from harness._synth_result import SynthResult
from harness.errors import ErrorClass, ResponseError, ToolchainError
from harness.synth import _cache, _classify, _context, _launch, _warnings
from harness.synth._assembly import Assembly, SiteLocator, read_assembly
from harness.synth._entry import Entry, find_entry
from harness.synth._env import (
    python_environment,
    run_environment,
    typescript_environment,
)
from harness.synth._process import Limits
from harness.synth._settings import SynthSettings
from harness.synth._toolchain import (
    Toolchain,
    find_toolchain,
    jsii_cache_dir,
    python_cdk_version,
)
from harness.synth._warm import ensure_jsii_cache
from harness.synth.warm import WorkerUnavailable, select_runner

log = logging.getLogger(__name__)

LOG_TAIL_BYTES = 64 * 1024


def synthesize(project: Project, settings: SynthSettings | None = None) -> SynthResult:
    """Synthesize `project` to CloudFormation templates, or return a classified error.

    Never raises for a bad response: every failure is returned in
    `SynthResult.error`, and a missing node or toolchain is a `harness_error`.
    """
    settings = settings or SynthSettings()
    if not project.files:
        return _empty_project_result()
    try:
        toolchain = find_toolchain()
    except ToolchainError as exc:
        error = ResponseError(ErrorClass.HARNESS_ERROR, str(exc))
        return SynthResult(language=None, entry=None, error=error)
    key = _cache.cache_key(
        project.content_hash(), _versions(toolchain), settings.output_key()
    )
    if settings.use_cache:
        cached = _cache.load(key, settings.cache_dir)
        if cached is not None:
            log.info("synthesis cache hit for %s", project.name)
            return cached
    try:
        runner = select_runner(settings)
        result = _synthesize_uncached(project, settings, toolchain, runner)
    except WorkerUnavailable as exc:
        log.warning("synthesizing %s cold: warm worker failed: %s", project.name, exc)
        result = _synthesize_uncached(project, settings, toolchain)
    if settings.use_cache and _cache.cacheable(result):
        _cache.store(key, result, settings.cache_dir)
    return result


def _empty_project_result() -> SynthResult:
    error = ResponseError(
        ErrorClass.UNPARSEABLE_RESPONSE,
        "the response contains no files; expected a CDK project or code blocks",
    )
    return SynthResult(language=None, entry=None, error=error)


def _harness_version() -> str:
    try:
        return metadata.version("iac-harness")
    except metadata.PackageNotFoundError:
        return "unknown"


def _versions(toolchain: Toolchain) -> dict[str, str | None]:
    return {
        "harness": _harness_version(),
        "aws-cdk-lib (npm)": toolchain.cdk_version,
        "aws-cdk-lib (python)": python_cdk_version(),
        "node": toolchain.node_version,
    }


def _synthesize_uncached(
    project: Project, settings: SynthSettings, toolchain: Toolchain, runner=_launch
) -> SynthResult:
    """Synthesize without the cache; `runner` compiles and runs, as `_launch` does."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    entry = find_entry(project)
    if entry is None:
        return _no_entry_result(project)
    result = SynthResult(language=entry.language, entry=entry.path)
    result.warnings.extend(entry.warnings)
    if entry.language == "python":
        result.error = _prepare_jsii_cache(timings)
        if result.error is not None:
            return result
    run = _launch.RunDir(
        Path(tempfile.mkdtemp(prefix="iac-synth-", dir=settings.work_dir))
    )
    try:
        run.create()
        _prepare(project, entry, run, result, toolchain)
        context, context_warnings = _context.base_context(
            project, settings.extra_context
        )
        result.warnings.extend(context_warnings)
        timings["prepare"] = _lap(start)
        _Synthesis(
            project, settings, toolchain, entry, run, result, timings, runner
        ).run(context)
    finally:
        if settings.keep_work_dir:
            log.info("kept synthesis directory %s", run.root)
        else:
            shutil.rmtree(run.root, ignore_errors=True)
    result.timings = {name: round(value, 4) for name, value in timings.items()}
    _scrub_paths(result, run, toolchain)
    return result


def _prepare_jsii_cache(timings: dict[str, float]) -> ResponseError | None:
    """Warm the jsii cache if it lacks aws-cdk-lib; return a harness error if that fails.

    Responses reach the cache only through a small copy-on-write overlay, so
    an app must never be the one that unpacks aws-cdk-lib.
    """
    try:
        seconds = ensure_jsii_cache()
    except ToolchainError as exc:
        return ResponseError(ErrorClass.HARNESS_ERROR, str(exc))
    if seconds is not None:
        timings["jsii_warm_up"] = seconds
    return None


def _scrub_paths(
    result: SynthResult, run: _launch.RunDir, toolchain: Toolchain
) -> None:
    """Replace machine paths in logs and errors, so results are portable."""
    replacements = [
        (str(run.project) + "/", ""),
        (str(run.root), "<run>"),
        (sys.prefix, "<python>"),
        (str(toolchain.node_modules), "<toolchain>"),
    ]

    def scrub(text: str) -> str:
        for old, new in replacements:
            text = text.replace(old, new)
        return text

    result.log_tail = scrub(result.log_tail)
    if result.error is not None:
        result.error = dataclasses.replace(
            result.error,
            message=scrub(result.error.message),
            detail=scrub(result.error.detail),
        )


def _lap(start: float) -> float:
    return time.perf_counter() - start


def _no_entry_result(project: Project) -> SynthResult:
    files = ", ".join(sorted(project.files)[:12])
    error = ResponseError(
        ErrorClass.NO_ENTRY_POINT,
        "no CDK entry point found: expected cdk.json with an `app` command, bin/*.ts, "
        f"app.py, tap.py or main.py, or one file creating an App; files: {files}",
    )
    return SynthResult(language=None, entry=None, error=error)


def _prepare(
    project: Project,
    entry: Entry,
    run: _launch.RunDir,
    result: SynthResult,
    toolchain: Toolchain,
) -> None:
    project.write_to(run.project)
    result.warnings.extend(
        _warnings.version_pin_warnings(project, toolchain.cdk_version)
    )
    if entry.language == "typescript":
        result.warnings.extend(_warnings.force_commonjs(run.project))


class _Synthesis:
    """The compile, run and lookup rounds of one uncached synthesis."""

    def __init__(
        self, project, settings, toolchain, entry, run, result, timings, runner
    ) -> None:
        self.runner = runner
        self.project: Project = project
        self.settings: SynthSettings = settings
        self.toolchain: Toolchain = toolchain
        self.entry: Entry = entry
        self.run_dir: _launch.RunDir = run
        self.result: SynthResult = result
        self.timings: dict[str, float] = timings
        self.files = set(project.files)
        self.locator = SiteLocator(run.project, self.files)
        self.limits = Limits(
            wall_seconds=settings.timeout,
            memory_mb=settings.memory_mb,
            file_mb=settings.output_mb,
            isolate_network=settings.isolation != "none",
        )

    def run(self, context: dict) -> None:
        """Fill the result: compile, then run until no lookup is missing."""
        self.seeded = _context.seeded_lookups(
            self.settings.account, self.settings.region
        )
        context = {**self.seeded, **context}
        program = self._compile(context)
        if program is None:
            return

        deadline = time.monotonic() + self.settings.timeout
        rounds = self.settings.max_lookup_rounds
        assembly: Assembly | None = None
        fresh: dict = {}
        for round_ in range(1, rounds + 1):
            assembly = self._run_once(program, context, round_, deadline)
            if assembly is None:
                return
            answers, warnings = _context.answer_missing(assembly.missing)
            fresh = {key: value for key, value in answers.items() if key not in context}
            if not fresh or round_ == rounds:
                break
            self.result.warnings.extend(warnings)
            context = {**context, **fresh}

        if assembly is None:
            return
        self._finish(assembly, context)
        if fresh:
            self.result.warnings.append(
                f"context lookups were still missing after {rounds} run(s): "
                f"{sorted(fresh)}"
            )

    def _env(self, context: dict) -> dict[str, str]:
        base = run_environment(
            self.settings,
            self.toolchain.bin_dir,
            self.run_dir.root,
            self.run_dir.outdir,
            context,
        )
        if self.entry.language == "typescript":
            return typescript_environment(base, self.toolchain.node_modules)
        return python_environment(base, jsii_cache_dir())

    def _compile(self, context: dict) -> str | None:
        if self.entry.language != "typescript":
            return self.entry.path
        start = time.perf_counter()
        compiled, error = self.runner.compile_typescript(
            self.run_dir,
            self.entry.path,
            self.toolchain.node,
            self._env(context),
            self.limits,
            self.files,
        )
        self.timings["bundle"] = _lap(start)
        self.result.error = error
        return compiled

    def _run_once(
        self, program: str, context: dict, round_: int, deadline: float
    ) -> Assembly | None:
        shutil.rmtree(self.run_dir.outdir, ignore_errors=True)
        remaining = max(1.0, deadline - time.monotonic())
        limits = Limits(
            remaining,
            self.limits.memory_mb,
            self.limits.file_mb,
            self.limits.isolate_network,
        )
        start = time.perf_counter()
        self.result.context = context
        env = self._env(context)
        if self.entry.language == "typescript":
            report = self.runner.run_typescript(
                self.run_dir, program, self.toolchain.node, env, limits, round_
            )
        else:
            report = self.runner.run_python(self.run_dir, program, env, limits, round_)
        self.timings["run"] = self.timings.get("run", 0.0) + _lap(start)
        self.result.log_tail = report.outcome.tail(LOG_TAIL_BYTES)
        self.result.warnings.extend(getattr(report, "warnings", []))
        self.result.warnings.extend(
            w
            for w in _warnings.deprecation_warnings(report.outcome)
            if w not in self.result.warnings
        )
        self.result.error = self._classify(report, limits)
        if self.result.error is not None:
            return None
        return self._read(context)

    def _classify(self, run: _launch.RunReport, limits: Limits) -> ResponseError | None:
        killed = _classify.classify_process(
            run.outcome, limits.memory_mb, self.settings.timeout
        )
        if killed is not None:
            return killed
        if run.report is None:
            return _classify.classify_runner_missing(run.outcome)
        if run.report.get("ok"):
            return None
        tail = run.outcome.tail()
        if self.entry.language == "typescript":
            locate = lambda lines: _classify.innermost_js_frame(
                lines, self.locator.relative
            )
            return _classify.classify_ts_failure(run.report, locate, tail)
        return _classify.classify_py_failure(run.report, self.locator.relative, tail)

    def _read(self, context: dict) -> Assembly | None:
        start = time.perf_counter()
        try:
            assembly = read_assembly(
                self.run_dir.outdir, self.run_dir.project, self.files
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # The app writes cdk.out itself, so a broken file there is its fault.
            self.result.error = ResponseError(
                ErrorClass.INVALID_TEMPLATE,
                f"the cloud assembly the app wrote is unreadable: {exc}",
            )
            return None
        finally:
            self.timings["read"] = self.timings.get("read", 0.0) + _lap(start)
        if assembly is None:
            self.result.error = ResponseError(
                ErrorClass.NO_STACKS,
                "the app wrote no cloud assembly (cdk.out/manifest.json); "
                "a Python app must call app.synth()",
            )
            return None
        if not assembly.stacks:
            self.result.error = ResponseError(
                ErrorClass.NO_STACKS, "the app synthesized no CloudFormation stack"
            )
            return None
        return assembly

    def _finish(self, assembly: Assembly, context: dict) -> None:
        self.result.stacks = assembly.stacks
        self.result.manifest = _portable(assembly.manifest, self.run_dir)
        self.result.context = context
        self.result.warnings.extend(assembly.warnings)
        self.result.warnings.extend(
            _warnings.environment_warnings(assembly.environments)
        )
        self.result.warnings.extend(self._seeded_warnings(assembly, context))
        if assembly.errors:
            self.result.error = ResponseError(
                ErrorClass.APP_EXCEPTION,
                f"CDK reported {len(assembly.errors)} error annotation(s), which fail "
                f"`cdk synth`: {assembly.errors[0]}",
                detail="\n".join(assembly.errors),
            )

    def _seeded_warnings(self, assembly: Assembly, context: dict) -> list[str]:
        default_env = f"aws://{self.settings.account}/{self.settings.region}"
        if default_env not in assembly.environments.values():
            return []
        return [
            f"context lookup {key} answered offline with {json.dumps(value)}"
            for key, value in sorted(self.seeded.items())
            if context.get(key) == value
        ]


def _portable(manifest: dict, run: _launch.RunDir) -> dict:
    """Return the manifest with this run's temporary paths replaced by relative ones."""
    text = json.dumps(manifest)
    text = text.replace(str(run.project) + "/", "").replace(str(run.root) + "/", "")
    return json.loads(text)
