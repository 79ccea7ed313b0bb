"""Read a CDK project directory into a Project, rejecting links that leave it."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from harness._project import Project, SkippedBlock, SourceFile
from harness.errors import UnsafePathError
from harness.ingest._paths import language_for, safe_path

logger = logging.getLogger(__name__)

SKIPPED_DIRECTORIES = frozenset(
    {
        "node_modules",
        "cdk.out",
        ".git",
        "__pycache__",
        ".venv",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
    }
)
MAX_FILE_BYTES = 1024 * 1024
_BINARY_PROBE_BYTES = 8192


def project_from_directory(root: Path, name: str) -> Project:
    """Return the text files under `root` as a Project with no markdown origins.

    Raises UnsafePathError for a symlink that resolves outside `root` and for a
    device, FIFO or socket, naming the path.
    """
    root = root.resolve()
    project = Project(name=name, kind="directory", files={})
    for relative in _walk(root, project):
        _read_file(root, relative, project)
    if not project.files:
        project.warnings.append(f"the directory {name!r} contains no text files")
    return project


def _walk(root: Path, project: Project) -> list[str]:
    """Return the relative paths of regular files and in-tree file links, sorted."""
    found: list[str] = []
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        base = Path(directory)
        followed = []
        for entry in sorted(subdirectories):
            relative = (base / entry).relative_to(root).as_posix()
            if entry in SKIPPED_DIRECTORIES:
                continue
            if (base / entry).is_symlink():
                _check_link(root, relative)
                project.warnings.append(
                    f"{relative} is a link to a directory and was not followed"
                )
                continue
            followed.append(entry)
        subdirectories[:] = followed
        found.extend((base / entry).relative_to(root).as_posix() for entry in files)
    return sorted(found)


def _read_file(root: Path, relative: str, project: Project) -> None:
    path = root / relative
    if path.is_symlink():
        _check_link(root, relative)
    mode = os.stat(path).st_mode if path.exists() else None
    if mode is None:
        project.warnings.append(f"{relative} is a broken link and was skipped")
        return
    if not stat.S_ISREG(mode):
        raise UnsafePathError(
            f"{relative!r} in the response directory is not a regular file "
            "(a device, FIFO or socket); remove it and ingest again"
        )
    try:
        clean = safe_path(relative)
    except UnsafePathError as error:
        # The file exists inside the directory, so its name cannot escape it. A
        # name that is unsafe elsewhere (a drive letter, a device) is skipped.
        project.skipped.append(SkippedBlock(None, str(error)))
        return
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        project.skipped.append(
            SkippedBlock(None, f"{clean} is {size} bytes, over the 1 MiB limit")
        )
        return
    text = _decode(path.read_bytes())
    if text is None:
        project.skipped.append(SkippedBlock(None, f"{clean} is a binary file"))
        return
    project.files[clean] = SourceFile(
        path=clean, text=text, language=language_for(clean)
    )


def _check_link(root: Path, relative: str) -> None:
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise UnsafePathError(
            f"{relative!r} in the response directory is a symbolic link to "
            f"{os.readlink(root / relative)!r}, outside the project; "
            "replace the link with the file it points to"
        )


def _decode(data: bytes) -> str | None:
    if b"\0" in data[:_BINARY_PROBE_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
