"""Run a batch's evaluations as Ray tasks, with the local pool's per-response limits.

Ray is an optional extra and is imported only here. Without an address in
`RAY_ADDRESS`, the batch starts a local instance bound to 127.0.0.1 and shuts
it down again at the end. At most `jobs` tasks run at once, so the timeout measures
running time, not time in Ray's queue.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from harness.batch._inputs import ResponseSpec
from harness.batch._pool import (
    POLL_SECONDS,
    OnResult,
    PoolLimits,
    evaluate_message,
    message_to_evaluation,
)
from harness.batch._worker import WorkerSetup, failed_evaluation
from harness.errors import ErrorClass, ResponseError, ToolchainError

logger = logging.getLogger(__name__)


# Ray reads this setting when it is imported. "0" makes a local instance use
# 127.0.0.1 for every service, instead of the host's outbound address
# (ray/_private/services.py, get_node_ip_address, Ray 2.60).
LOOPBACK_SETTING = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def import_ray() -> Any:
    """Import Ray, or raise ToolchainError naming the extra to install.

    Without `RAY_ADDRESS`, a local instance is intended, so Ray is set to bind
    to loopback only. That setting takes effect only if Ray was not imported yet.
    """
    if not os.environ.get("RAY_ADDRESS"):
        os.environ.setdefault(LOOPBACK_SETTING, "0")
    try:
        import ray
    except ImportError as exc:
        raise ToolchainError(
            "the ray executor needs Ray, which is not installed; install it with "
            "pip install 'iac-harness[ray]', or use --executor local"
        ) from exc
    return ray


def start_ray(num_cpus: int) -> Any:
    """Start Ray: a local loopback instance, or a connection to `RAY_ADDRESS`."""
    ray = import_ray()
    if os.environ.get("RAY_ADDRESS"):
        ray.init(log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    return ray


def _evaluate_remote(setup: WorkerSetup, spec: ResponseSpec) -> tuple[str, Any]:
    return evaluate_message(setup, spec)


class RayPool:
    """Evaluate responses as Ray tasks; same interface as `LocalPool`.

    NOTE: the per-worker memory limit is not enforced here, because Ray's own
    memory monitor kills tasks on memory pressure, and such a kill is recorded
    as out_of_memory. A cancelled task's worker is killed by Ray, but a
    synthesis subprocess it started may run on until its own timeout.
    """

    def __init__(self, setup: WorkerSetup, limits: PoolLimits) -> None:
        self.ray = import_ray()
        self.setup = setup
        self.limits = limits

    def run(self, specs: Iterable[ResponseSpec], on_result: OnResult) -> None:
        """Evaluate every spec, calling `on_result` in this process as each finishes."""
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            start_ray(self.limits.jobs)
        try:
            self._run(deque(specs), on_result)
        finally:
            if started_here:
                ray.shutdown()

    def _run(self, pending: deque[ResponseSpec], on_result: OnResult) -> None:
        ray = self.ray
        # No retries: a response that crashes its worker is recorded, as locally.
        remote = ray.remote(
            num_cpus=1, max_calls=self.limits.max_tasks_per_child, max_retries=0
        )(_evaluate_remote)
        setup_ref = ray.put(self.setup)
        running: dict[Any, tuple[ResponseSpec, float]] = {}
        while pending or running:
            while pending and len(running) < self.limits.jobs:
                spec = pending.popleft()
                running[remote.remote(setup_ref, spec)] = (spec, time.monotonic())
            ready, _ = ray.wait(list(running), num_returns=1, timeout=POLL_SECONDS)
            for ref in ready:
                spec, started = running.pop(ref)
                evaluation = self._result(ref, spec)
                on_result(spec, evaluation, time.monotonic() - started)
            self._cancel_overdue(running, on_result)

    def _result(self, ref: Any, spec: ResponseSpec):
        ray = self.ray
        try:
            status, payload = ray.get(ref)
        except ray.exceptions.OutOfMemoryError as exc:
            return self._failed(spec, ErrorClass.OUT_OF_MEMORY, exc)
        except ray.exceptions.RayError as exc:
            return self._failed(spec, ErrorClass.HARNESS_ERROR, exc)
        return message_to_evaluation(self.setup, spec, status, payload)

    def _failed(self, spec: ResponseSpec, error_class: ErrorClass, exc: Exception):
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        message = f"the Ray task evaluating response {spec.id} failed: {type(exc).__name__}: {first_line}"
        logger.error("%s", message)
        error = ResponseError(error_class, message, detail=str(exc))
        return failed_evaluation(spec, self.setup.settings, error)

    def _cancel_overdue(
        self, running: dict[Any, tuple[ResponseSpec, float]], on_result: OnResult
    ) -> None:
        now = time.monotonic()
        for ref, (spec, started) in list(running.items()):
            if now - started <= self.limits.timeout:
                continue
            self.ray.cancel(ref, force=True)
            del running[ref]
            error = ResponseError(
                ErrorClass.TIMEOUT,
                f"the evaluation took longer than the batch timeout of "
                f"{self.limits.timeout:g} s and was stopped",
            )
            logger.warning("response %s: %s", spec.id, error.message)
            on_result(
                spec, failed_evaluation(spec, self.setup.settings, error), now - started
            )
