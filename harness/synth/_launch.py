"""Compile and run a response's app in its temporary copy, one process per step."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ErrorClass, ResponseError
from harness.synth import _classify
from harness.synth._process import Limits, ProcessOutcome, run_contained

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COMPILE_SCRIPT = HERE / "compile_ts.js"
TS_RUNNER = HERE / "runner_ts.js"
PY_RUNNER = HERE / "runner_py.py"
COMPILE_SECONDS = 60.0


@dataclass
class RunDir:
    """The layout of one synthesis's temporary directory."""

    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def outdir(self) -> Path:
        return self.root / "cdk.out"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def jobs(self) -> Path:
        return self.root / "jobs"

    def create(self) -> None:
        for directory in (
            self.project,
            self.logs,
            self.jobs,
            self.root / "home",
            self.root / "tmp",
        ):
            directory.mkdir(parents=True, exist_ok=True)


@dataclass
class RunReport:
    """One app run: the process outcome and the runner's result, if it wrote one."""

    outcome: ProcessOutcome
    report: dict[str, Any] | None


def compile_typescript(
    run: RunDir,
    entry: str,
    node: str,
    env: dict[str, str],
    limits: Limits,
    project_files: set[str],
) -> tuple[str | None, ResponseError | None]:
    """Compile the files `entry` imports to CommonJS.

    Returns the compiled entry's path, or None and the classified error.
    """
    job = _write_job(run, "compile", {"project": str(run.project), "entry": entry})
    compile_limits = Limits(
        wall_seconds=min(COMPILE_SECONDS, limits.wall_seconds),
        memory_mb=limits.memory_mb,
        file_mb=limits.file_mb,
        isolate_network=limits.isolate_network,
    )
    outcome = run_contained(
        [node, str(COMPILE_SCRIPT), str(job)],
        run.project,
        env,
        compile_limits,
        run.logs,
    )
    try:
        report = json.loads(outcome.stdout_path.read_text())
    except (OSError, json.JSONDecodeError):
        killed = _classify.classify_process(
            outcome, limits.memory_mb, compile_limits.wall_seconds
        )
        return None, killed or ResponseError(
            ErrorClass.HARNESS_ERROR,
            f"the TypeScript compiler step failed (exit {outcome.returncode})",
            detail=outcome.tail()[-4000:],
        )
    if not report.get("ok"):
        return None, _classify.classify_compile(report.get("errors", []), project_files)
    return report["outputs"].get(entry, entry), None


def run_typescript(
    run: RunDir,
    compiled_entry: str,
    node: str,
    env: dict[str, str],
    limits: Limits,
    round_: int,
) -> RunReport:
    """Run the compiled entry under the TypeScript runner with source maps on."""
    result = run.jobs / f"result-{round_}.json"
    job = _write_job(
        run,
        f"run-{round_}",
        {"entry": str(run.project / compiled_entry), "result": str(result)},
    )
    argv = [node, "--enable-source-maps", str(TS_RUNNER), str(job)]
    outcome = run_contained(
        argv, run.project, env, limits, run.logs / f"round-{round_}"
    )
    return RunReport(outcome, _read_report(result))


def run_python(
    run: RunDir, entry: str, env: dict[str, str], limits: Limits, round_: int
) -> RunReport:
    """Run the entry under the Python runner with this interpreter."""
    result = run.jobs / f"result-{round_}.json"
    job = _write_job(
        run,
        f"run-{round_}",
        {
            "entry": str(run.project / entry),
            "project": str(run.project),
            "result": str(result),
        },
    )
    argv = [sys.executable, str(PY_RUNNER), str(job)]
    outcome = run_contained(
        argv, run.project, env, limits, run.logs / f"round-{round_}"
    )
    return RunReport(outcome, _read_report(result))


def _write_job(run: RunDir, name: str, job: dict[str, Any]) -> Path:
    path = run.jobs / f"{name}.json"
    path.write_text(json.dumps(job))
    return path


def _read_report(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
