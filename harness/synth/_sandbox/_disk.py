"""Measure what an app wrote into its writable directories, with a bounded walk."""

from __future__ import annotations

import os
from pathlib import Path

MIB = 1024 * 1024
MAX_ENTRIES = 100_000


def over_quota(directories: list[Path], max_mb: int) -> bool:
    """Return True when `directories` hold more than `max_mb` MiB or too many entries.

    The walk stops after MAX_ENTRIES files and directories, and that many
    entries count as over the quota. So an app that creates millions of empty
    files cannot make the check slow. Sizes are apparent sizes (st_size), so
    a sparse file counts at its full length.
    """
    limit = max_mb * MIB
    total = 0
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
                    return True
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        total += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
                if total > limit:
                    return True
    return False
