"""Compile and run apps on warm workers, with the interface of the cold launcher.

`WarmRunner` offers `compile_typescript`, `run_typescript` and `run_python`
with the signatures and results of `harness.synth._launch`, so the synthesis
steps, classification and assembly reading are the cold path's own.
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import ErrorClass, ResponseError
from harness.synth import _classify, _launch
from harness.synth._launch import RunDir, RunReport
from harness.synth._process import Limits, ProcessOutcome
from harness.synth.warm._pool import Execution, WarmPool
from harness.synth.warm._stage import stage_project
from harness.synth.warm._worker import Worker, WorkerSpec

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
TS_WORKER = HERE / "worker_ts.js"
PY_WORKER = HERE / "worker_py.py"
# Variables that differ between apps and are set by each job, not at start.
PER_RUN_VARIABLES = (
    "HOME",
    "TMPDIR",
    "CDK_OUTDIR",
    "CDK_CONTEXT_JSON",
    "CONTEXT_OVERFLOW_LOCATION_ENV",
)


@dataclass
class WarmRunReport(RunReport):
    """A run's report plus warnings about the run itself, such as a leak."""

    warnings: list[str] = field(default_factory=list)


class WarmRunner:
    """The compile and run steps of a synthesis, served by a `WarmPool`."""

    def __init__(self, pool: WarmPool) -> None:
        self.pool = pool

    def compile_typescript(
        self,
        run: RunDir,
        entry: str,
        node: str,
        env: dict[str, str],
        limits: Limits,
        project_files: set[str],
    ) -> tuple[str | None, ResponseError | None]:
        """Compile as `_launch.compile_typescript` does, inside a TypeScript worker."""
        job = run.jobs / "compile.json"
        job.write_text(json.dumps({"project": str(run.project), "entry": entry}))
        wall = min(_launch.COMPILE_SECONDS, limits.wall_seconds)
        stdout, stderr = _log_paths(run.logs / "compile", "compile_ts")
        message = {"type": "compile", "job": str(job)}
        execution = self.pool.execute(_ts_spec(node, env, limits), message, wall)
        reply = execution.reply
        if reply is None:
            outcome = _outcome(execution, stdout, stderr)
            killed = _classify.classify_process(outcome, limits.memory_mb, wall)
            return None, killed or ResponseError(
                ErrorClass.HARNESS_ERROR,
                f"the TypeScript compiler step failed (exit {execution.returncode})",
                detail=outcome.tail()[-4000:],
            )
        report = reply["report"]
        if not report.get("ok"):
            errors = report.get("errors", [])
            return None, _classify.classify_compile(errors, project_files)
        return report["outputs"].get(entry, entry), None

    def run_typescript(
        self,
        run: RunDir,
        compiled_entry: str,
        node: str,
        env: dict[str, str],
        limits: Limits,
        round_: int,
    ) -> WarmRunReport:
        """Run the compiled entry as `_launch.run_typescript` does, in a worker."""
        message = {
            "type": "run",
            "entry": str(run.project / compiled_entry),
            "cwd": str(run.project),
            "env": env,
        }
        return self._run(run, _ts_spec(node, env, limits), message, limits, round_)

    def run_python(
        self, run: RunDir, entry: str, env: dict[str, str], limits: Limits, round_: int
    ) -> WarmRunReport:
        """Run the entry as `_launch.run_python` does, in a Python worker."""
        message = {
            "type": "run",
            "entry": str(run.project / entry),
            "project": str(run.project),
            "cwd": str(run.project),
            "env": env,
            "outdir": env["CDK_OUTDIR"],
            "context": _context_of(env),
        }
        return self._run(
            run,
            _py_spec(env, limits),
            message,
            limits,
            round_,
            functools.partial(stage_project, run=run),
        )

    def _run(
        self,
        run: RunDir,
        spec: WorkerSpec,
        message: dict,
        limits: Limits,
        round_: int,
        prepare: Callable[[Worker], None] | None = None,
    ) -> WarmRunReport:
        result = run.jobs / f"result-{round_}.json"
        stdout, stderr = _log_paths(
            run.logs / f"round-{round_}", f"worker_{spec.language}"
        )
        message = {
            **message,
            "result": str(result),
            "stdout": str(stdout),
            "stderr": str(stderr),
        }
        warnings: list[str] = []
        execution = self.pool.execute(spec, message, limits.wall_seconds, prepare)
        if execution.leaks:
            warnings.append(_leak_warning(execution.leaks))
            log.warning(
                "%s changed state shared between apps (%s); running it again on a "
                "fresh worker",
                run.project,
                "; ".join(execution.leaks),
            )
            shutil.rmtree(run.outdir, ignore_errors=True)
            result.unlink(missing_ok=True)
            execution = self.pool.execute(spec, message, limits.wall_seconds, prepare)
        if prepare is not None:
            for path in (result, stdout, stderr):
                _replace_in_file(path, execution.stage, str(run.project))
        outcome = _outcome(execution, stdout, stderr)
        return WarmRunReport(outcome, _read_report(result), warnings)


def _context_of(env: dict[str, str]) -> dict:
    """Return the context a cold run passes in the environment or its overflow file."""
    if "CDK_CONTEXT_JSON" in env:
        return json.loads(env["CDK_CONTEXT_JSON"])
    overflow = env.get("CONTEXT_OVERFLOW_LOCATION_ENV")
    return json.loads(Path(overflow).read_text()) if overflow else {}


def _leak_warning(leaks: list[str]) -> str:
    return (
        "the app changed state that outlives it in a shared process "
        f"({'; '.join(leaks)[:500]}); it was synthesized again in a fresh process"
    )


def _base_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in env.items() if k not in PER_RUN_VARIABLES))


def _worker_limits(limits: Limits) -> Limits:
    """Return the limits of a worker process: a job's, without its wall time."""
    return Limits(0.0, limits.memory_mb, limits.file_mb, limits.isolate_network)


def _ts_spec(node: str, env: dict[str, str], limits: Limits) -> WorkerSpec:
    argv = (node, "--enable-source-maps", str(TS_WORKER), str(_launch.COMPILE_SCRIPT))
    return WorkerSpec("typescript", argv, _base_env(env), _worker_limits(limits))


def _py_spec(env: dict[str, str], limits: Limits) -> WorkerSpec:
    argv = (sys.executable, str(PY_WORKER), str(_launch.PY_RUNNER))
    return WorkerSpec("python", argv, _base_env(env), _worker_limits(limits))


def _log_paths(directory: Path, name: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stdout = directory / f"{name}.stdout"
    stderr = directory / f"{name}.stderr"
    stdout.touch()
    stderr.touch()
    return stdout, stderr


def _outcome(execution: Execution, stdout: Path, stderr: Path) -> ProcessOutcome:
    """Describe a worker request as the process outcome a cold run would have."""
    if execution.worker_output:
        with stderr.open("a", encoding="utf-8") as handle:
            handle.write(execution.worker_output)
    return ProcessOutcome(
        returncode=execution.returncode,
        timed_out=execution.timed_out,
        wall_seconds=execution.wall_seconds,
        stdout_path=stdout,
        stderr_path=stderr,
        network_isolated=execution.network_isolated,
    )


def _replace_in_file(path: Path, old: str, new: str) -> None:
    """Replace a staged project's path in a job's output with the run's own."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    if old and old in text:
        path.write_text(text.replace(old, new), encoding="utf-8")


def _read_report(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
