"""Per-launch cgroup v1 directories that cap processes and memory of one app.

The harness creates child cgroups only where its own cgroup of that controller
is the hierarchy's root. A non-root cgroup belongs to whatever started the
harness (systemd, a container runtime, a job scheduler), and writing into it
without a delegation breaks that manager's cleanup, so such a controller is
skipped and reported by `iac-harness doctor`.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger(__name__)

MIB = 1024 * 1024
CGROUP_V1_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("pids", "memory")
REMOVE_ATTEMPTS = 50
REMOVE_PAUSE_SECONDS = 0.02
# The memory cgroup caps the whole process tree, which for a Python app is the
# interpreter and its jsii kernel (a node process), each with its own RLIMIT_DATA.
TREE_MEMORY_FACTOR = 2
_launch_numbers = itertools.count(1)


def usable_cgroups() -> tuple[dict[str, Path | None], list[str]]:
    """Return controller -> parent directory the harness may create in, and notes."""
    own = _own_cgroups()
    found: dict[str, Path | None] = dict.fromkeys(CONTROLLERS)
    notes = []
    for controller in CONTROLLERS:
        mount = CGROUP_V1_ROOT / controller
        if not (mount / "cgroup.procs").exists():
            notes.append(f"{controller}: no cgroup v1 hierarchy at {mount}")
            continue
        path = own.get(controller, "/")
        if path != "/":
            notes.append(
                f"{controller}: the harness runs in {path}, a cgroup another program "
                "manages, so no child cgroup is created"
            )
            continue
        if not os.access(mount, os.W_OK):
            notes.append(f"{controller}: {mount} is not writable")
            continue
        found[controller] = mount
    return found, notes


def _own_cgroups() -> dict[str, str]:
    """Return controller -> path of this process's v1 cgroups."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return {}
    own = {}
    for line in lines:
        _number, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            if controller:
                own[controller] = path
    return own


def create_cgroups(
    pids_parent: Path | None,
    memory_parent: Path | None,
    max_processes: int,
    memory_mb: int,
) -> list[Path]:
    """Create this launch's pids and memory cgroups; return their directories.

    `max_processes` counts threads, as pids.max does. A cgroup that cannot be
    set up is logged and left out.
    """
    name = f"iac-harness-{os.getpid()}-{next(_launch_numbers)}"
    settings = []
    if pids_parent is not None:
        settings.append((pids_parent, "pids.max", max_processes))
    if memory_parent is not None:
        cap = memory_mb * MIB * TREE_MEMORY_FACTOR
        settings.append((memory_parent, "memory.limit_in_bytes", cap))
    created = []
    for parent, knob, value in settings:
        path = parent / name
        try:
            path.mkdir()
            (path / knob).write_text(str(value))
        except OSError as exc:
            log.warning("could not set up cgroup %s: %s", path, exc)
            remove_cgroup(path)
            continue
        created.append(path)
    return created


def remove_cgroup(path: Path) -> None:
    """Kill every process still in the cgroup at `path`, then remove it."""
    for _attempt in range(REMOVE_ATTEMPTS):
        try:
            pids = (path / "cgroup.procs").read_text().split()
        except FileNotFoundError:
            return
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(REMOVE_PAUSE_SECONDS)
    log.warning("could not remove cgroup %s; processes are still in it", path)
