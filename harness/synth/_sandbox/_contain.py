"""Wrap one command in every containment layer this machine supports."""

from __future__ import annotations

import logging
import math
import os
import resource
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.synth._sandbox import _cgroups, _mounts
from harness.synth._sandbox._detect import Mechanisms, detect, namespace_prefix

if TYPE_CHECKING:
    from harness.synth._process import Limits

log = logging.getLogger(__name__)

MIB = 1024 * 1024
CPU_GRACE_SECONDS = 10
RLIMIT_NUMBERS = {
    "data": resource.RLIMIT_DATA,
    "fsize": resource.RLIMIT_FSIZE,
    "cpu": resource.RLIMIT_CPU,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


@dataclass
class Containment:
    """One contained launch: the command to run and what to undo afterwards.

    `layers` names the active layers: rlimits, network, filesystem,
    pid_namespace, capabilities, cgroup_pids, cgroup_memory. `writable` lists
    the directories the app may write, which the caller can watch for size.
    """

    argv: list[str]
    layers: frozenset[str]
    cgroups: list[Path] = field(default_factory=list)
    mount_point: Path | None = None
    writable: list[Path] = field(default_factory=list)
    ready_read: int | None = None
    ready_write: int | None = None

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """Return the descriptors Popen must pass for the setup's ready signal."""
        return () if self.ready_write is None else (self.ready_write,)

    def started(self) -> None:
        """Close the parent's copy of the ready pipe's write end after Popen."""
        if self.ready_write is not None:
            os.close(self.ready_write)
            self.ready_write = None

    def setup_failed(self) -> bool:
        """Return True when the sandbox setup ended without its ready signal.

        Call it after the process has exited. An app cannot fake the signal,
        because the setup closes the pipe before it runs the app.
        """
        if self.ready_read is None:
            return False
        os.set_blocking(self.ready_read, False)
        try:
            message = os.read(self.ready_read, 64)
        except BlockingIOError:
            message = b""
        return not message

    def close(self) -> None:
        """Kill processes left in this launch's cgroups and remove what it created."""
        for cgroup in self.cgroups:
            _cgroups.remove_cgroup(cgroup)
        self.cgroups = []
        self.started()
        if self.ready_read is not None:
            os.close(self.ready_read)
            self.ready_read = None
        if self.mount_point is not None:
            try:
                self.mount_point.rmdir()
            except OSError as exc:
                log.warning("could not remove %s: %s", self.mount_point, exc)
            self.mount_point = None


def contain(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    limits: Limits,
    writable: list[Path] | None = None,
    signal_ready: bool = False,
    die_with_parent: bool = False,
) -> Containment:
    """Return the contained command for `argv` and the resources it set up.

    `writable` lists the directories the app may write; the default is
    `default_writable(cwd, env)`. With `signal_ready`, a private filesystem's
    setup reports success on a pipe: pass `pass_fds` to Popen, call
    `started()` after it and `setup_failed()` once the process has exited.
    With `die_with_parent`, the kernel kills the command when the thread that
    started it exits, so a harness killed with SIGKILL leaves no sandbox
    running. Only use it from a thread that waits for the command.
    Call `close()` on the result when the process has ended, also when it
    failed to start.
    """
    mechanisms = detect()
    if writable is None:
        writable = _mounts.default_writable(cwd, env)
    ready: tuple[int, int] | None = None
    uses_setup = limits.isolate_filesystem and (
        mechanisms.bwrap or mechanisms.private_filesystem
    )
    if signal_ready and uses_setup:
        ready = os.pipe()
    ready_write = ready[1] if ready else None
    if limits.isolate_filesystem and mechanisms.bwrap:
        containment = _bwrap(argv, cwd, env, writable, limits, mechanisms, ready_write)
    elif limits.isolate_filesystem and mechanisms.private_filesystem:
        containment = _unshare(argv, env, writable, limits, mechanisms, ready_write)
    elif limits.isolate_network and mechanisms.network_namespace:
        prefix = namespace_prefix(mechanisms.unshare, "--net")
        containment = Containment([*prefix, *argv], frozenset({"network"}))
    else:
        containment = Containment(list(argv), frozenset())
    containment.writable = list(writable)
    if die_with_parent and mechanisms.setpriv and not mechanisms.bwrap:
        # bwrap's own --die-with-parent covers the bubblewrap path.
        pdeath = [mechanisms.setpriv, "--pdeathsig", "KILL", "--"]
        containment.argv = pdeath + containment.argv
        containment.layers = containment.layers | {"die_with_parent"}
    if ready is not None:
        containment.ready_read, containment.ready_write = ready
    if mechanisms.prlimit:
        prlimit = [mechanisms.prlimit, *rlimit_options(limits), "--"]
        containment.argv = prlimit + containment.argv
        containment.layers = containment.layers | {"rlimits"}
    return containment


def _bwrap(
    argv, cwd, env, writable, limits, mechanisms: Mechanisms, ready_fd
) -> Containment:
    command = _mounts.bwrap_argv(
        argv,
        cwd,
        env,
        writable,
        limits.isolate_network,
        mechanisms.bwrap,
        mechanisms.overlay,
        ready_fd,
    )
    layers = {"filesystem", "pid_namespace", "capabilities"}
    if limits.isolate_network:
        layers.add("network")
    return Containment(command, frozenset(layers))


def _unshare(
    argv, env, writable, limits, mechanisms: Mechanisms, ready_fd
) -> Containment:
    cgroups = _cgroups.create_cgroups(
        mechanisms.pids_cgroup,
        mechanisms.memory_cgroup,
        limits.max_processes,
        limits.memory_mb,
    )
    mount_point = Path(tempfile.mkdtemp(prefix="iac-sandbox-root-"))
    isolate_network = limits.isolate_network and mechanisms.network_namespace
    command = _mounts.unshare_argv(
        argv,
        env,
        writable,
        isolate_network,
        mechanisms,
        mount_point,
        cgroups,
        ready_fd,
    )
    layers = {"filesystem", "pid_namespace", "capabilities"}
    layers.update(f"cgroup_{path.parent.name}" for path in cgroups)
    if isolate_network:
        layers.add("network")
    return Containment(command, frozenset(layers), cgroups, mount_point)


def rlimit_options(limits: Limits) -> list[str]:
    """Return prlimit's options for the data, file size, CPU, open files and core."""
    return [f"--{name}={soft}:{hard}" for name, (soft, hard) in _rlimit_values(limits)]


def apply_rlimits(limits: Limits) -> None:
    """Set the rlimits in the calling process; runs between fork and exec."""
    for name, values in _rlimit_values(limits):
        resource.setrlimit(RLIMIT_NUMBERS[name], values)


def _rlimit_values(limits: Limits) -> list[tuple[str, tuple[int, int]]]:
    """Return (prlimit name, (soft, hard)) pairs for `limits`.

    The CPU limit is a backstop for a harness that died before its wall-time
    timer fired: it allows every core busy for the whole wall time, so a live
    harness always times the app out first.
    """
    memory = limits.memory_mb * MIB
    size = limits.file_mb * MIB
    cpu = math.ceil(limits.wall_seconds * (os.cpu_count() or 1)) + CPU_GRACE_SECONDS
    return [
        ("data", (memory, memory)),
        ("fsize", (size, size)),
        ("cpu", (cpu, cpu + CPU_GRACE_SECONDS)),
        ("nofile", (limits.open_files, limits.open_files)),
        ("core", (0, 0)),
    ]
