"""One long-lived worker process: contained start, JSON-line requests, kill."""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError
from harness.synth import _sandbox
from harness.synth._process import Limits

log = logging.getLogger(__name__)

READ_CHUNK = 65536


class WorkerUnavailable(HarnessError):
    """A worker could not start or broke its protocol: a harness failure."""


class WorkerTimeout(Exception):
    """A request got no reply in time; the worker has been killed."""


class WorkerDied(Exception):
    """The worker exited while serving a request."""

    def __init__(self, returncode: int | None) -> None:
        super().__init__(f"worker exited with {returncode}")
        self.returncode = returncode


@dataclass(frozen=True)
class WorkerSpec:
    """How to start one kind of worker: its command, environment and limits.

    The worker's own HOME and TMPDIR are added when it starts; each job then
    replaces the whole environment with the job's.
    """

    language: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    limits: Limits


class Worker:
    """A started worker process that serves one request at a time."""

    def __init__(self, spec: WorkerSpec, home: Path) -> None:
        self.spec = spec
        self.home = home
        self.process: subprocess.Popen | None = None
        self.reply_fd: int | None = None
        self.buffer = b""
        self.jobs = 0
        self.rss = 0
        self.network_isolated = False
        self.started = 0.0
        self.staged_from: Path | None = None
        self.containment: _sandbox.Containment | None = None

    @property
    def stage(self) -> Path:
        """The worker's start directory, which a job's project may be moved into."""
        return self.home / "stage"

    @property
    def log_path(self) -> Path:
        return self.home / "worker.log"

    def start(self, timeout: float) -> None:
        """Start the process and wait for its ready line; raise WorkerUnavailable."""
        for name in ("warmup", "home", "tmp", "stage"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        env = {
            **dict(self.spec.env),
            "HOME": str(self.home / "home"),
            "TMPDIR": str(self.home / "tmp"),
        }
        read_end, write_end = os.pipe()
        self.containment = self._contain(env, write_end)
        argv = self.containment.argv
        start = time.monotonic()
        try:
            with self.log_path.open("ab") as log_file:
                self.process = subprocess.Popen(
                    argv,
                    cwd=self.stage,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=log_file,
                    stderr=log_file,
                    start_new_session=True,
                    pass_fds=(write_end,),
                )
        except OSError as exc:
            os.close(read_end)
            self.containment.close()
            raise WorkerUnavailable(f"could not start {argv[0]}: {exc}") from exc
        finally:
            os.close(write_end)
        self.reply_fd = read_end
        try:
            ready = self._read_reply(timeout)
        except (WorkerTimeout, WorkerDied) as exc:
            self.kill()
            raise WorkerUnavailable(
                f"the {self.spec.language} worker did not start ({exc}): "
                f"{self.log_tail()}"
            ) from exc
        if not ready.get("ready"):
            self.kill()
            raise WorkerUnavailable(f"the {self.spec.language} worker sent {ready!r}")
        self.rss = int(ready.get("rss", 0))
        self.started = time.monotonic() - start
        log.info(
            "started %s worker %s in %.2f s",
            self.spec.language,
            self.process.pid,
            self.started,
        )

    def _contain(self, env: dict[str, str], reply_fd: int) -> _sandbox.Containment:
        """Wrap the command in the cold path's layers; only the home is writable."""
        argv = [*self.spec.argv, str(self.home / "warmup"), str(reply_fd)]
        containment = _sandbox.contain(
            argv, self.stage, env, self.spec.limits, writable=[self.home]
        )
        if "rlimits" not in containment.layers:
            containment.close()
            raise WorkerUnavailable(
                "prlimit (util-linux) was not found, so a worker cannot get the "
                "rlimits of a cold run; install util-linux"
            )
        self.network_isolated = "network" in containment.layers
        return containment

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and return the reply; raise WorkerTimeout or WorkerDied."""
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise WorkerDied(self.process.poll()) from exc
        return self._read_reply(timeout)

    def _read_reply(self, timeout: float) -> dict:
        assert self.reply_fd is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise WorkerTimeout(f"no reply within {timeout:g} s")
            readable, _, _ = select.select([self.reply_fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self.reply_fd, READ_CHUNK)
            if not chunk:
                raise WorkerDied(self._reap())
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            self.kill()
            raise WorkerUnavailable(
                f"invalid reply from the {self.spec.language} worker: {line[:200]!r}"
            ) from exc

    def _reap(self) -> int | None:
        assert self.process is not None
        try:
            returncode = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            returncode = None
        self.kill()
        return returncode

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def group_rss(self) -> int:
        """Return the resident memory of the worker and its children, in bytes."""
        if self.process is None:
            return 0
        return group_rss_bytes(self.process.pid)

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_path.read_bytes()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def kill(self) -> None:
        """Kill the worker's whole process group and close its pipes."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            log.warning("worker %s did not exit after SIGKILL", self.process.pid)
        if self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        if self.reply_fd is not None:
            os.close(self.reply_fd)
            self.reply_fd = None
        if self.containment is not None:
            self.containment.close()
            self.containment = None


def group_rss_bytes(pgid: int) -> int:
    """Return the summed RSS of every process in process group `pgid`."""
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid:
                total += int(fields[21]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total
