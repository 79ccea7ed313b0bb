"""Write a Project's files to disk without following any symbolic link."""

from __future__ import annotations

import os
from pathlib import Path

from harness._project import Project
from harness.errors import UnsafePathError
from harness.ingest._paths import safe_path

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW


def write_project(project: Project, directory: Path) -> list[Path]:
    """Write every file of `project` under `directory`; return the written paths.

    Every path is checked with `safe_path` before the first write. Each
    directory and file is opened relative to its parent with O_NOFOLLOW, so a
    symbolic link inside `directory` makes the write fail with UnsafePathError
    instead of writing through the link.
    """
    for path in project.files:
        safe_path(path)
    return [
        write_text_file(directory, path, source.text)
        for path, source in sorted(project.files.items())
    ]


def write_text_file(directory: Path, path: str, text: str) -> Path:
    """Write `text` to the relative `path` under `directory`, following no link."""
    clean = safe_path(path)
    directory.mkdir(parents=True, exist_ok=True)
    root = os.open(directory, _DIRECTORY_FLAGS & ~os.O_NOFOLLOW)
    try:
        _write_one(root, clean, text.encode("utf-8"))
    finally:
        os.close(root)
    return directory / clean


def _write_one(root: int, path: str, data: bytes) -> None:
    *parents, name = path.split("/")
    descriptor = os.dup(root)
    try:
        for part in parents:
            child = _enter(descriptor, part, path)
            os.close(descriptor)
            descriptor = child
        try:
            handle = os.open(name, _FILE_FLAGS, 0o644, dir_fd=descriptor)
        except OSError as error:
            raise _link_error(path, error) from error
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
    finally:
        os.close(descriptor)


def _enter(parent: int, part: str, path: str) -> int:
    """Open the subdirectory `part` of `parent`, creating it when missing."""
    try:
        try:
            os.mkdir(part, 0o755, dir_fd=parent)
        except FileExistsError:
            pass
        return os.open(part, _DIRECTORY_FLAGS, dir_fd=parent)
    except OSError as error:
        raise _link_error(path, error) from error


def _link_error(path: str, error: OSError) -> UnsafePathError:
    return UnsafePathError(
        f"failed to write {path!r}: {error.strerror}; a symbolic link or a non-directory "
        "is in the way inside the output directory, so remove it or choose an "
        "empty output directory"
    )
