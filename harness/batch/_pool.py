"""A process pool that survives its workers: timeouts, crashes and memory blow-ups.

Each worker process evaluates one response at a time and is replaced after
`max_tasks_per_child` responses. The parent kills a worker (with every process
it started) that runs past the per-response timeout or past the memory limit,
and records a classified error for that response. A worker that dies on its
own is recorded as a harness error. Either way the batch goes on.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any

import psutil

from harness.batch._inputs import ResponseSpec
from harness.batch._worker import WorkerSetup, evaluate_spec, failed_evaluation
from harness.errors import ErrorClass, ResponseError
from harness.evaluation import Evaluation

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5

OnResult = Callable[[ResponseSpec, Evaluation, float], None]


@dataclass(frozen=True)
class PoolLimits:
    """Per-response limits of the local pool.

    `timeout` is wall-clock seconds per response. `memory_mb` limits the
    resident memory of the worker process alone, because its synthesis
    subprocesses carry their own limits; None turns the check off.
    """

    jobs: int = 2
    timeout: float = 600.0
    memory_mb: float | None = 4096.0
    max_tasks_per_child: int = 25


def _worker_main(connection: Connection, setup: WorkerSetup) -> None:
    """Evaluate the responses received on `connection` until None or end of file.

    The worker ignores SIGINT, because the parent stops it on Ctrl-C, and exits
    quietly on SIGTERM and when the parent is gone (end of file or broken pipe).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        reply = evaluate_message(setup, message)
        try:
            connection.send(reply)
        except OSError:
            logger.debug("batch worker %s: the parent is gone, exiting", os.getpid())
            return


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds the evaluation, so its context managers stop the
    # synthesis subprocesses, and multiprocessing exits without a traceback.
    raise SystemExit(128 + signum)


def evaluate_message(setup: WorkerSetup, spec: ResponseSpec) -> tuple[str, Any]:
    """Evaluate `spec` and return a picklable reply: ("ok", document) or an error."""
    try:
        return "ok", evaluate_spec(setup, spec).to_dict()
    except MemoryError:
        return "memory", "the evaluation raised MemoryError"
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a harness error
        return "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    tasks: int = 0
    spec: ResponseSpec | None = None
    started: float = 0.0

    @property
    def busy(self) -> bool:
        return self.spec is not None


class LocalPool:
    """Evaluate responses in worker processes; see the module docstring for limits."""

    def __init__(self, setup: WorkerSetup, limits: PoolLimits) -> None:
        if limits.jobs < 1:
            raise ValueError(f"jobs must be at least 1, got {limits.jobs}")
        self.setup = setup
        self.limits = limits
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    def run(self, specs: Iterable[ResponseSpec], on_result: OnResult) -> None:
        """Evaluate every spec, calling `on_result` in this process as each finishes."""
        pending = deque(specs)
        try:
            while pending or any(w.busy for w in self._workers):
                self._dispatch(pending)
                self._collect(on_result)
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker; a busy one is killed with its child processes."""
        for worker in self._workers:
            if worker.busy:
                _kill_tree(worker.process.pid)
            else:
                _send_stop(worker)
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                _kill_tree(worker.process.pid)
                worker.process.join(timeout=5)
            worker.connection.close()
        self._workers = []

    def _dispatch(self, pending: deque[ResponseSpec]) -> None:
        for worker in list(self._workers):
            if not worker.busy and worker.tasks >= self.limits.max_tasks_per_child:
                self._retire(worker)
        while pending and len(self._workers) < self.limits.jobs:
            self._workers.append(self._start_worker())
        for worker in self._workers:
            if pending and not worker.busy:
                spec = pending.popleft()
                worker.connection.send(spec)
                worker.spec = spec
                worker.started = time.monotonic()
                worker.tasks += 1

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main, args=(child_end, self.setup), daemon=True
        )
        process.start()
        child_end.close()
        logger.debug("started batch worker %s", process.pid)
        return _Worker(process=process, connection=parent_end)

    def _retire(self, worker: _Worker) -> None:
        _send_stop(worker)
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            _kill_tree(worker.process.pid)
        worker.connection.close()
        self._workers.remove(worker)

    def _collect(self, on_result: OnResult) -> None:
        busy = [w for w in self._workers if w.busy]
        if not busy:
            return
        handles: list[Any] = [w.connection for w in busy]
        handles += [w.process.sentinel for w in busy]
        ready = set(wait(handles, timeout=POLL_SECONDS))
        for worker in busy:
            if worker.connection in ready:
                self._receive(worker, on_result)
            elif worker.process.sentinel in ready:
                self._fail(worker, on_result, _died_error(worker))
            else:
                self._enforce_limits(worker, on_result)

    def _receive(self, worker: _Worker, on_result: OnResult) -> None:
        try:
            status, payload = worker.connection.recv()
        except (EOFError, OSError):
            self._fail(worker, on_result, _died_error(worker))
            return
        spec = worker.spec
        assert spec is not None
        elapsed = time.monotonic() - worker.started
        worker.spec = None
        on_result(
            spec, message_to_evaluation(self.setup, spec, status, payload), elapsed
        )

    def _enforce_limits(self, worker: _Worker, on_result: OnResult) -> None:
        elapsed = time.monotonic() - worker.started
        if elapsed > self.limits.timeout:
            error = ResponseError(
                ErrorClass.TIMEOUT,
                f"the evaluation took longer than the batch timeout of "
                f"{self.limits.timeout:g} s and was stopped",
            )
            self._fail(worker, on_result, error)
            return
        memory_mb = _resident_mb(worker.process.pid)
        if self.limits.memory_mb is not None and memory_mb > self.limits.memory_mb:
            error = ResponseError(
                ErrorClass.OUT_OF_MEMORY,
                f"the evaluation used {memory_mb:.0f} MB of memory, over the batch "
                f"limit of {self.limits.memory_mb:g} MB, and was stopped",
            )
            self._fail(worker, on_result, error)

    def _fail(self, worker: _Worker, on_result: OnResult, error: ResponseError) -> None:
        """Record `error` for the worker's response and replace the worker."""
        spec = worker.spec
        assert spec is not None
        elapsed = time.monotonic() - worker.started
        logger.warning(
            "response %s: %s (worker %s replaced)",
            spec.id,
            error.message,
            worker.process.pid,
        )
        _kill_tree(worker.process.pid)
        worker.process.join(timeout=5)
        worker.connection.close()
        self._workers.remove(worker)
        on_result(spec, failed_evaluation(spec, self.setup.settings, error), elapsed)


def message_to_evaluation(
    setup: WorkerSetup, spec: ResponseSpec, status: str, payload: Any
) -> Evaluation:
    """Turn a worker's reply into the response's Evaluation (a failed one on error)."""
    if status == "ok":
        return Evaluation.from_dict(payload)
    error_class = (
        ErrorClass.OUT_OF_MEMORY if status == "memory" else ErrorClass.HARNESS_ERROR
    )
    first_line = payload.splitlines()[0] if payload else "no detail"
    logger.error("evaluating response %s failed: %s", spec.id, first_line)
    logger.debug("evaluating response %s failed:\n%s", spec.id, payload)
    error = ResponseError(
        error_class,
        f"the evaluation of response {spec.id} failed: {first_line}",
        detail=payload,
    )
    return failed_evaluation(spec, setup.settings, error)


def _died_error(worker: _Worker) -> ResponseError:
    worker.process.join(timeout=5)
    code = worker.process.exitcode
    spec_id = worker.spec.id if worker.spec else "?"
    if code is not None and code < 0:
        cause = f"was killed by signal {signal.Signals(-code).name}"
        if -code == signal.SIGKILL:
            cause += " (possibly by the kernel's out-of-memory killer)"
    else:
        cause = f"exited with status {code}"
    return ResponseError(
        ErrorClass.HARNESS_ERROR,
        f"the worker process evaluating response {spec_id} {cause}",
    )


def _send_stop(worker: _Worker) -> None:
    try:
        worker.connection.send(None)
    except (BrokenPipeError, OSError):
        pass


def _resident_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return 0.0


def _kill_tree(pid: int) -> None:
    """Kill process `pid` and every descendant it still has."""
    try:
        root = psutil.Process(pid)
        victims = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    for victim in victims:
        try:
            victim.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(victims, timeout=5)
