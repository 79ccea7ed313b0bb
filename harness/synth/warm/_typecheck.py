"""An optional TypeScript type check before compiling, as ts-node performs.

The check runs in a long-lived node process with the TypeScript compiler API
(`typecheck_ts.js`), served by the same `WarmPool`, whatever the isolation
level: it parses and checks the app's files but never runs them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from harness.errors import ErrorClass, ResponseError
from harness.synth._launch import RunDir
from harness.synth._process import Limits
from harness.synth.warm._pool import WarmPool
from harness.synth.warm._runner import base_env, worker_limits
from harness.synth.warm._stage import stage_project
from harness.synth.warm._worker import Worker, WorkerSpec

log = logging.getLogger(__name__)

TYPECHECK_SCRIPT = Path(__file__).resolve().parent / "typecheck_ts.js"
CHECK_SECONDS = 120.0
DETAIL_ERRORS = 20


class TypeCheckingRunner:
    """Type-check TypeScript apps, then compile and run them with `inner`."""

    def __init__(self, inner, pool: WarmPool) -> None:
        self.inner = inner
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
        """Return `type_error` for an app with type errors, else compile it."""
        error = type_check(self.pool, run, entry, node, env, limits)
        if error is not None:
            return None, error
        return self.inner.compile_typescript(
            run, entry, node, env, limits, project_files
        )

    def run_typescript(self, *args, **kwargs):
        return self.inner.run_typescript(*args, **kwargs)

    def run_python(self, *args, **kwargs):
        return self.inner.run_python(*args, **kwargs)


def type_check(
    pool: WarmPool,
    run: RunDir,
    entry: str,
    node: str,
    env: dict[str, str],
    limits: Limits,
) -> ResponseError | None:
    """Type-check the files `entry` reaches; return the first error as `type_error`."""
    spec = WorkerSpec(
        "typecheck", (node, str(TYPECHECK_SCRIPT)), base_env(env), worker_limits(limits)
    )
    timeout = min(CHECK_SECONDS, limits.wall_seconds)

    def prepare(worker: Worker) -> dict:
        stage_project(worker, run)
        return {"type": "check", "project": str(worker.stage), "entry": entry}

    execution = pool.execute(spec, prepare, timeout)
    reply = execution.reply
    if reply is None:
        what = "timed out" if execution.timed_out else "failed"
        return ResponseError(
            ErrorClass.HARNESS_ERROR,
            f"the TypeScript type check {what} after {execution.wall_seconds:.1f} s",
            detail=execution.worker_output[-4000:],
        )
    if reply.get("ok"):
        return None
    return _type_error(reply["errors"])


def _type_error(errors: list[dict]) -> ResponseError:
    first = errors[0]
    lines = [
        f"{e['file']}:{e['line']}:{e['column']}: TS{e['code']}: {e['message']}"
        for e in errors[:DETAIL_ERRORS]
    ]
    summary = first["message"].splitlines()[0]
    return ResponseError(
        ErrorClass.TYPE_ERROR,
        f"{first['file']}:{first['line']}: TS{first['code']}: {summary} "
        f"({len(errors)} type error(s))",
        file=first["file"],
        line=first["line"],
        detail="\n".join(lines),
    )
