"""Warm synthesis workers: many apps per long-lived process, with leak checks.

`synthesize` routes TypeScript and Python apps here unless the settings ask
for `isolation="strict"`; `WarmPool` used as a context manager gives a batch
its own pool, and `close_default_pool` stops the one started on first use.
"""

from harness.synth.warm._pool import WarmPool, close_default_pool, current_pool
from harness.synth.warm._runner import WarmRunner, WarmRunReport
from harness.synth.warm._typecheck import TypeCheckingRunner, type_check
from harness.synth.warm._worker import WorkerUnavailable

__all__ = [
    "TypeCheckingRunner",
    "WarmPool",
    "WarmRunReport",
    "WarmRunner",
    "WorkerUnavailable",
    "close_default_pool",
    "current_pool",
    "select_runner",
    "type_check",
]


def select_runner(settings):
    """Return what compiles and runs an app under `settings`: a warm runner or `_launch`.

    `isolation="strict"` always gets the cold launcher, which starts one fresh
    process per step; `typecheck` adds a type check of TypeScript apps.
    """
    from harness.synth import _launch

    runner = _launch if settings.isolation == "strict" else WarmRunner(current_pool())
    if settings.typecheck:
        return TypeCheckingRunner(runner, current_pool())
    return runner
