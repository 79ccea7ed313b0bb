"""Remove what an app left in its writable directories that could trap the harness.

The harness reads and writes files in the run directory after each app run
(logs, job files, results, the context file). A symbolic link the app planted
there would redirect those operations to a host file, and a FIFO would block
the harness forever. The app's processes are dead when this runs, so nothing
can plant a new one before the harness's next file operation.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

MAX_ENTRIES = 200_000


def remove_traps(directories: list[Path]) -> list[str]:
    """Delete escaping symbolic links and special files under `directories`.

    A link is escaping when its target, resolved on the host, lies outside
    every directory of `directories`, or does not exist. FIFOs, sockets and
    device nodes are deleted too. Returns the deleted paths; the walk stops
    after MAX_ENTRIES entries and logs a warning.
    """
    roots = [Path(os.path.realpath(path)) for path in directories]
    removed: list[str] = []
    entries = 0
    pending = [str(path) for path in directories]
    while pending:
        try:
            scanner = os.scandir(pending.pop())
        except OSError:
            continue
        with scanner:
            for entry in scanner:
                entries += 1
                if entries > MAX_ENTRIES:
                    log.warning(
                        "stopped checking %s after %s entries", directories, MAX_ENTRIES
                    )
                    return removed
                if _is_trap(entry, roots):
                    _remove(entry.path, removed)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
    return removed


def _is_trap(entry: os.DirEntry, roots: list[Path]) -> bool:
    try:
        mode = entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return False
    if stat.S_ISLNK(mode):
        target = Path(os.path.realpath(entry.path))
        inside = any(target == root or target.is_relative_to(root) for root in roots)
        return not (inside and target.exists())
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _remove(path: str, removed: list[str]) -> None:
    try:
        os.unlink(path)
    except OSError as exc:
        log.warning("could not remove %s that the app left: %s", path, exc)
        return
    removed.append(path)
