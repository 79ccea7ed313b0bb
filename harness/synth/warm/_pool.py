"""A pool of warm workers per language and settings, with recycling."""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from harness.errors import ConfigError
from harness.synth.warm._stage import give_back
from harness.synth.warm._worker import (
    Worker,
    WorkerDied,
    WorkerSpec,
    WorkerTimeout,
    WorkerUnavailable,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_JOBS = 50
DEFAULT_MAX_RSS_MB = 1536
DEFAULT_START_TIMEOUT = 180.0
DEFAULT_MAX_IDLE = 4
# Failed starts after which a kind of worker is not tried again in this pool.
MAX_START_FAILURES = 2
# A worker's memory is read after its first app and every this many apps after.
RSS_SAMPLE_JOBS = 5
LOG_TAIL_BYTES = 16 * 1024


@dataclass
class Execution:
    """The outcome of one request to a worker."""

    reply: dict | None
    wall_seconds: float
    timed_out: bool = False
    returncode: int | None = 0
    worker_output: str = ""
    network_isolated: bool = False
    leaks: list[str] = field(default_factory=list)


class WarmPool:
    """Long-lived synthesis workers, started on first use and reused across apps.

    `size` is the number of workers per kind (language and settings), which is
    how many syntheses of that kind run at once. A worker is replaced after
    `max_jobs` apps, once its process group's resident memory (read after its
    first app and every fifth) passes `max_rss_mb`, and after any app that
    timed out, crashed it or leaked state.
    At most `max_idle` idle workers are kept; the least recently used goes.
    Use it as a context manager to route `synthesize` calls in the block to it.
    """

    def __init__(
        self,
        size: int = 1,
        max_jobs: int = DEFAULT_MAX_JOBS,
        max_rss_mb: int = DEFAULT_MAX_RSS_MB,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        max_idle: int = DEFAULT_MAX_IDLE,
        root: Path | None = None,
    ) -> None:
        if size < 1:
            raise ConfigError(f"invalid pool size {size!r}; expected >= 1")
        if max_jobs < 1:
            raise ConfigError(f"invalid max_jobs {max_jobs!r}; expected >= 1")
        self.size = size
        self.max_idle = max_idle
        self.max_jobs = max_jobs
        self.max_rss_mb = max_rss_mb
        self.start_timeout = start_timeout
        self.root = Path(tempfile.mkdtemp(prefix="iac-warm-", dir=root))
        self.stats: Counter[str] = Counter()
        self.peak_rss: dict[str, int] = {}
        self.start_seconds: dict[str, list[float]] = {}
        self._idle: dict[WorkerSpec, list[Worker]] = {}
        self._count: Counter[WorkerSpec] = Counter()
        self._condition = threading.Condition()
        self._serial = 0
        self._closed = False
        self._broken: dict[WorkerSpec, str] = {}
        self._failures: Counter[WorkerSpec] = Counter()
        self._idle_order: list[Worker] = []

    def __enter__(self) -> Self:
        _ACTIVE.append(self)
        return self

    def __exit__(self, *exc) -> None:
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        self.close()

    def execute(
        self,
        spec: WorkerSpec,
        prepare: Callable[[Worker], dict],
        timeout: float,
        collect: Callable[[Worker, Execution], None] | None = None,
    ) -> Execution:
        """Send the request `prepare(worker)` returns to a worker of `spec`.

        `collect(worker, execution)` runs before the worker serves anyone
        else. A timeout or a worker's death is returned in the `Execution`; a
        worker that cannot start or breaks the protocol raises WorkerUnavailable.
        """
        worker = self._acquire(spec)
        execution = Execution(None, 0.0, network_isolated=worker.network_isolated)
        try:
            message = prepare(worker)
            self._request(worker, message, timeout, execution)
            if collect is not None:
                collect(worker, execution)
        except OSError as exc:
            self._release(worker, healthy=False)
            raise WorkerUnavailable(
                f"moving a job's files for the {spec.language} worker failed: {exc}"
            ) from exc
        except BaseException:
            self._release(worker, healthy=False)
            raise
        reply = execution.reply
        if reply is not None and "error" in reply:
            self._release(worker, healthy=False)
            raise WorkerUnavailable(
                f"the {spec.language} worker failed: {str(reply['error'])[:2000]}"
            )
        if reply is not None:
            execution.leaks = [str(leak) for leak in reply.get("leaks", [])]
        if execution.leaks:
            self.stats["leaks"] += 1
        self._release(worker, healthy=reply is not None and not execution.leaks)
        return execution

    def _request(
        self, worker: Worker, message: dict, timeout: float, execution: Execution
    ) -> None:
        offset = worker.log_size()
        start = time.monotonic()
        try:
            execution.reply = worker.request(message, timeout)
        except WorkerTimeout:
            self.stats["timeouts"] += 1
            execution.timed_out = True
            execution.returncode = None
        except WorkerDied as died:
            self.stats["crashes"] += 1
            execution.returncode = died.returncode
        execution.wall_seconds = time.monotonic() - start
        if message.get("type") == "run":
            worker.jobs += 1
        if execution.reply is None:
            execution.worker_output = _since(worker, offset)

    def _acquire(self, spec: WorkerSpec) -> Worker:
        with self._condition:
            while True:
                if self._closed:
                    raise WorkerUnavailable("the warm pool is closed")
                if self._failures[spec] >= MAX_START_FAILURES:
                    raise WorkerUnavailable(self._broken[spec])
                idle = self._idle.setdefault(spec, [])
                if idle:
                    return idle.pop()
                if self._count[spec] < self.size:
                    self._count[spec] += 1
                    self._serial += 1
                    serial = self._serial
                    break
                self._condition.wait()
        worker = Worker(spec, self.root / f"{spec.language}-{serial}")
        try:
            worker.start(self.start_timeout)
        except WorkerUnavailable as exc:
            with self._condition:
                self._count[spec] -= 1
                self._failures[spec] += 1
                self._broken[spec] = str(exc)
                self._condition.notify_all()
            raise
        self._failures[spec] = 0
        self.stats["started"] += 1
        self.start_seconds.setdefault(spec.language, []).append(worker.started)
        return worker

    def _release(self, worker: Worker, healthy: bool) -> None:
        # Reading /proc for the whole process group costs milliseconds.
        sampled = worker.alive and worker.jobs % RSS_SAMPLE_JOBS == 1
        rss = worker.group_rss() if sampled else 0
        language = worker.spec.language
        self.peak_rss[language] = max(self.peak_rss.get(language, 0), rss)
        keep = healthy and worker.alive
        if keep and worker.jobs >= self.max_jobs:
            keep = False
            self.stats["recycled_jobs"] += 1
        if keep and rss > self.max_rss_mb * 1024 * 1024:
            keep = False
            self.stats["recycled_memory"] += 1
        if not keep:
            worker.kill()
            give_back(worker)
            shutil.rmtree(worker.home, ignore_errors=True)
        evicted = []
        with self._condition:
            if keep and not self._closed:
                self._idle.setdefault(worker.spec, []).append(worker)
                self._idle_order = [w for w in self._idle_order if w is not worker]
                self._idle_order.append(worker)
                evicted = self._evict_idle()
            else:
                self._count[worker.spec] -= 1
                if keep:
                    worker.kill()
            self._condition.notify_all()
        for old in evicted:
            old.kill()
            give_back(old)
            shutil.rmtree(old.home, ignore_errors=True)

    def _evict_idle(self) -> list[Worker]:
        """Remove the least recently used idle workers beyond `max_idle`; hold the lock."""
        self._idle_order = [
            w for w in self._idle_order if any(w is i for i in self._idle[w.spec])
        ]
        evicted = []
        while len(self._idle_order) > self.max_idle:
            oldest = self._idle_order.pop(0)
            self._idle[oldest.spec] = [
                w for w in self._idle[oldest.spec] if w is not oldest
            ]
            self._count[oldest.spec] -= 1
            self.stats["evicted"] += 1
            evicted.append(oldest)
        return evicted

    def worker_rss(self) -> dict[str, int]:
        """Return the current resident memory of the idle workers by language, in bytes."""
        totals: Counter[str] = Counter()
        with self._condition:
            for workers in self._idle.values():
                for worker in workers:
                    totals[worker.spec.language] += worker.group_rss()
        return dict(totals)

    def close(self) -> None:
        """Kill every worker and remove the pool's directory."""
        with self._condition:
            self._closed = True
            workers = [w for idle in self._idle.values() for w in idle]
            self._idle.clear()
            self._condition.notify_all()
        for worker in workers:
            worker.kill()
            give_back(worker)
        shutil.rmtree(self.root, ignore_errors=True)


def _since(worker: Worker, offset: int) -> str:
    """Return what the worker wrote to its own log after byte `offset`."""
    try:
        with worker.log_path.open("rb") as handle:
            handle.seek(offset)
            return handle.read()[-LOG_TAIL_BYTES:].decode("utf-8", "replace")
    except OSError:
        return ""


_ACTIVE: list[WarmPool] = []
_DEFAULT: list[WarmPool] = []
_DEFAULT_LOCK = threading.Lock()


def current_pool() -> WarmPool:
    """Return the innermost `with WarmPool()` pool, else the lazily started default."""
    if _ACTIVE:
        return _ACTIVE[-1]
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            pool = WarmPool()
            atexit.register(pool.close)
            _DEFAULT.append(pool)
        return _DEFAULT[0]


def close_default_pool() -> None:
    """Close the default pool, if one was started; the next use starts a new one."""
    with _DEFAULT_LOCK:
        while _DEFAULT:
            _DEFAULT.pop().close()
