"""Compile and run apps on warm workers, with the interface of the cold launcher.

`WarmRunner` offers `compile_typescript`, `run_typescript` and `run_python`
with the signatures and results of `harness.synth._launch`, so the synthesis
steps, classification and assembly reading are the cold path's own. A worker
may write only its own home. So each job's project moves into the worker's
stage directory (see `_stage`) and its output goes to the home. Both come
back to the run directory, with the home's paths replaced by the run's.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import sys
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
OVERFLOW_VARIABLE = "CONTEXT_OVERFLOW_LOCATION_ENV"
WORKER_LIFETIME_SECONDS = 6 * 3600
# Variables that differ between apps and are set by each job, not at start.
PER_RUN_VARIABLES = (
    "HOME",
    "TMPDIR",
    "CDK_OUTDIR",
    "CDK_CONTEXT_JSON",
    OVERFLOW_VARIABLE,
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
        wall = min(_launch.COMPILE_SECONDS, limits.wall_seconds)
        stdout, stderr = _log_paths(run.logs / "compile", "compile_ts")

        def prepare(worker: Worker) -> dict:
            stage_project(worker, run)
            job = _fresh(worker.home / "job") / "compile.json"
            job.write_text(json.dumps({"project": str(worker.stage), "entry": entry}))
            return {"type": "compile", "job": str(job)}

        execution = self.pool.execute(_ts_spec(node, env, limits), prepare, wall)
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
        job = _Job(run, round_, "typescript", compiled_entry, env)
        return self._run(job, _ts_spec(node, env, limits), limits)

    def run_python(
        self, run: RunDir, entry: str, env: dict[str, str], limits: Limits, round_: int
    ) -> WarmRunReport:
        """Run the entry as `_launch.run_python` does, in a Python worker."""
        job = _Job(run, round_, "python", entry, env)
        return self._run(job, _py_spec(env, limits), limits)

    def _run(self, job: _Job, spec: WorkerSpec, limits: Limits) -> WarmRunReport:
        warnings: list[str] = []
        execution = self.pool.execute(
            spec, job.prepare, limits.wall_seconds, job.collect
        )
        if execution.leaks:
            warnings.append(_leak_warning(execution.leaks))
            log.warning(
                "%s changed state shared between apps (%s); running it again on a "
                "fresh worker",
                job.run.project,
                "; ".join(execution.leaks),
            )
            execution = self.pool.execute(
                spec, job.prepare, limits.wall_seconds, job.collect
            )
        outcome = _outcome(execution, job.stdout, job.stderr)
        return WarmRunReport(outcome, _read_report(job.result), warnings)


class _Job:
    """One app run: its files in the run directory and their twins in a worker."""

    def __init__(
        self, run: RunDir, round_: int, language: str, entry: str, env: dict[str, str]
    ) -> None:
        self.run = run
        self.language = language
        self.entry = entry
        self.env = env
        self.result = run.jobs / f"result-{round_}.json"
        self.stdout, self.stderr = _log_paths(
            run.logs / f"round-{round_}", f"worker_{language}"
        )

    def prepare(self, worker: Worker) -> dict:
        """Stage the project in `worker` and return the request naming its paths."""
        stage_project(worker, self.run)
        job_dir = _fresh(worker.home / "job")
        outdir = worker.home / "out"
        shutil.rmtree(outdir, ignore_errors=True)
        self.result.unlink(missing_ok=True)
        env = {
            **self.env,
            "HOME": str(_fresh(worker.home / "job-home")),
            "TMPDIR": str(_fresh(worker.home / "job-tmp")),
            "CDK_OUTDIR": str(outdir),
        }
        context = _context_of(self.env)
        if OVERFLOW_VARIABLE in env:
            overflow = job_dir / "context.json"
            overflow.write_text(json.dumps(context, sort_keys=True))
            env[OVERFLOW_VARIABLE] = str(overflow)
        message = {
            "type": "run",
            "entry": str(worker.stage / self.entry),
            "cwd": str(worker.stage),
            "env": env,
            "result": str(job_dir / "result.json"),
            "stdout": str(job_dir / "stdout"),
            "stderr": str(job_dir / "stderr"),
        }
        if self.language == "python":
            message.update(
                project=str(worker.stage), outdir=str(outdir), context=context
            )
        return message

    def collect(self, worker: Worker, execution: Execution) -> None:
        """Move the job's output to the run, with the worker's paths replaced."""
        replacements = [
            (str(worker.stage), str(self.run.project)),
            (str(worker.home / "out"), str(self.run.outdir)),
            (str(worker.home / "job-home"), str(self.run.root / "home")),
            (str(worker.home / "job-tmp"), str(self.run.root / "tmp")),
        ]
        job_dir = worker.home / "job"
        for name, target in (
            ("result.json", self.result),
            ("stdout", self.stdout),
            ("stderr", self.stderr),
        ):
            _copy_replacing(job_dir / name, target, replacements)
        outdir = worker.home / "out"
        if outdir.is_dir():
            shutil.rmtree(self.run.outdir, ignore_errors=True)
            shutil.move(str(outdir), str(self.run.outdir))
            for path in _assembly_json(self.run.outdir):
                _copy_replacing(path, path, replacements)


def _fresh(directory: Path) -> Path:
    """Return `directory`, created or emptied."""
    if directory.is_dir():
        for child in os.scandir(directory):
            if child.is_dir(follow_symlinks=False):
                shutil.rmtree(child.path)
            else:
                os.unlink(child.path)
    else:
        directory.mkdir(parents=True)
    return directory


def _assembly_json(outdir: Path) -> list[Path]:
    """Return the cloud assembly's JSON files but tree.json and asset directories.

    The harness does not read tree.json, the largest of them.
    """
    found = []
    for path in outdir.rglob("*.json"):
        parts = path.relative_to(outdir).parts
        if path.name != "tree.json" and not any(p.startswith("asset.") for p in parts):
            found.append(path)
    return found


def _copy_replacing(
    source: Path, target: Path, replacements: list[tuple[str, str]]
) -> None:
    """Write `source`'s text to `target` with each (old, new) pair replaced."""
    try:
        text = source.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return
    for old, new in replacements:
        text = text.replace(old, new)
    target.write_text(text, encoding="utf-8", errors="surrogateescape")


def _context_of(env: dict[str, str]) -> dict:
    """Return the context a cold run passes in the environment or its overflow file."""
    if "CDK_CONTEXT_JSON" in env:
        return json.loads(env["CDK_CONTEXT_JSON"])
    overflow = env.get(OVERFLOW_VARIABLE)
    return json.loads(Path(overflow).read_text()) if overflow else {}


def _leak_warning(leaks: list[str]) -> str:
    return (
        "the app changed state that outlives it in a shared process "
        f"({'; '.join(leaks)[:500]}); it was synthesized again in a fresh process"
    )


def base_env(env: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Return a job's environment without the variables that differ between apps."""
    return tuple(sorted((k, v) for k, v in env.items() if k not in PER_RUN_VARIABLES))


def worker_limits(limits: Limits) -> Limits:
    """Return the limits of a worker process: a job's, with a lifetime's CPU time.

    The sandbox derives the CPU rlimit from the wall time, which for a worker
    is a backstop only: the pool enforces each job's own timeout.
    """
    return dataclasses.replace(limits, wall_seconds=WORKER_LIFETIME_SECONDS)


def _ts_spec(node: str, env: dict[str, str], limits: Limits) -> WorkerSpec:
    argv = (node, "--enable-source-maps", str(TS_WORKER), str(_launch.COMPILE_SCRIPT))
    return WorkerSpec("typescript", argv, base_env(env), worker_limits(limits))


def _py_spec(env: dict[str, str], limits: Limits) -> WorkerSpec:
    argv = (sys.executable, str(PY_WORKER), str(_launch.PY_RUNNER))
    return WorkerSpec("python", argv, base_env(env), worker_limits(limits))


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


def _read_report(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
