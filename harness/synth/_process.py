"""Launch one contained subprocess: the sandbox's layers, wall time and a disk cap.

Every synthesis subprocess starts here, so that a stricter sandbox can replace
this one function without touching the callers.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from harness.synth import _sandbox

log = logging.getLogger(__name__)

MIB = 1024 * 1024
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class Limits:
    """Resource limits of one subprocess.

    `memory_mb` becomes RLIMIT_DATA of each process (node reserves far more
    address space than it uses, so RLIMIT_AS would break it). `file_mb` is
    RLIMIT_FSIZE, which also caps the captured stdout and stderr files.
    `isolate_network` runs the process in a new network namespace when
    `unshare -n` works here; otherwise the process keeps the host's network.
    `isolate_filesystem` gives it a private filesystem view, PID namespace and
    no capabilities where the machine supports them (see `_sandbox`).
    `max_processes` is the pids cgroup cap (threads count), where one is usable.
    `disk_mb` caps what the process tree may write into its writable
    directories in total; `run_contained` checks it every POLL_SECONDS.
    """

    wall_seconds: float = 120.0
    memory_mb: int = 4096
    file_mb: int = 256
    isolate_network: bool = True
    isolate_filesystem: bool = True
    max_processes: int = 512
    open_files: int = 4096
    disk_mb: int = 1024


@dataclass(frozen=True)
class ProcessOutcome:
    """The exit state of a contained process and the files holding its output."""

    returncode: int | None
    timed_out: bool
    wall_seconds: float
    stdout_path: Path
    stderr_path: Path
    network_isolated: bool
    layers: frozenset[str] = frozenset()
    # NOTE: `_classify.classify_process` does not read this field yet, so a
    # process killed for its disk use is classified by its SIGKILL.
    output_exceeded: bool = False

    @property
    def signal(self) -> int | None:
        """Return the number of the signal that killed the process, if one did."""
        if self.returncode is not None and self.returncode < 0:
            return -self.returncode
        return None

    def tail(self, limit: int = 64 * 1024) -> str:
        """Return the last `limit` bytes of stdout then stderr, decoded leniently."""
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            parts.append(_read_tail(path, limit))
        text = "\n".join(part for part in parts if part)
        return text[-limit:]


def run_contained(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    log_dir: Path,
    writable: list[Path] | None = None,
) -> ProcessOutcome:
    """Run `argv` in `cwd` with exactly `env`, under `limits`, and wait for it.

    A non-zero exit, a signal or a timeout is reported in the outcome; only a
    failure to start the program or to set up its sandbox (OSError) is raised.

    The process gets its own session, so a timeout kills its whole process
    group. Its stdout and stderr go to `<log_dir>/<name>.stdout|stderr`, where
    `name` is the base name of the program. `writable` lists the directories
    the process may write when its filesystem is private; see
    `_sandbox.contain` for the default.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    name = Path(argv[1] if len(argv) > 1 else argv[0]).stem
    stdout_path = log_dir / f"{name}.stdout"
    stderr_path = log_dir / f"{name}.stderr"
    containment = _sandbox.contain(
        argv, cwd, env, limits, writable, signal_ready=True, die_with_parent=True
    )
    # preexec_fn can deadlock a threaded parent, so it is only the fallback
    # for systems without util-linux's prlimit.
    fallback = None
    if "rlimits" not in containment.layers:
        fallback = functools.partial(_sandbox.apply_rlimits, limits)
    start = time.monotonic()
    try:
        with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
            process = subprocess.Popen(
                containment.argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                pass_fds=containment.pass_fds,
                preexec_fn=fallback,  # noqa: PLW1509
            )
            containment.started()
            timed_out, output_exceeded = _wait(process, limits, containment.writable)
        removed = _sandbox.remove_traps(containment.writable)
        if removed:
            log.info("removed links and special files the app left: %s", removed[:5])
        if containment.setup_failed():
            raise OSError(
                f"the sandbox setup for {argv[0]} failed (exit "
                f"{process.returncode}): {_read_tail(stderr_path, 2000)}; "
                "run `iac-harness doctor` to see which layers work here"
            )
    finally:
        containment.close()
    elapsed = time.monotonic() - start
    log.debug("%s exited %s after %.2f s", argv[0], process.returncode, elapsed)
    return ProcessOutcome(
        returncode=process.returncode,
        timed_out=timed_out,
        wall_seconds=elapsed,
        stdout_path=stdout_path,
        stderr_path=stderr_path,
        network_isolated="network" in containment.layers,
        layers=containment.layers,
        output_exceeded=output_exceeded,
    )


def _wait(
    process: subprocess.Popen, limits: Limits, writable: list[Path]
) -> tuple[bool, bool]:
    """Wait for the process; return (timed out, killed for writing over disk_mb)."""
    deadline = time.monotonic() + limits.wall_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _stop(process)
            return True, False
        try:
            process.wait(timeout=min(POLL_SECONDS, remaining))
            _kill_group(process.pid)
            return False, False
        except subprocess.TimeoutExpired:
            pass
        if _sandbox.over_quota(writable, limits.disk_mb):
            log.info(
                "killed process %s: it wrote over %s MiB", process.pid, limits.disk_mb
            )
            _stop(process)
            return False, True


def _stop(process: subprocess.Popen) -> None:
    _kill_group(process.pid)
    process.wait()


def _kill_group(pgid: int) -> None:
    """Kill what is left of the process group, such as a jsii kernel child."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# NOTE: RLIMIT_DATA bounds each process, not the group, so an app that
# starts many processes can use a multiple of `memory_mb`. A memory cgroup
# would bound the group, but needs a delegated cgroup the harness may write.
def _prlimit_options(limits: Limits) -> list[str]:
    return _sandbox.rlimit_options(limits)


@functools.cache
def network_namespace_available() -> bool:
    """Return True when `unshare -n` can create a network namespace here."""
    unshare = _unshare_path()
    if not unshare:
        return False
    try:
        completed = subprocess.run(
            [unshare, "-n", "--", "true"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    if completed.returncode != 0:
        log.info("unshare -n is not permitted; subprocesses keep the host network")
    return completed.returncode == 0


def _unshare_path() -> str:
    return shutil.which("unshare") or ""


def _read_tail(path: Path, limit: int) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
