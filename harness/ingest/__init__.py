"""Turn a response (a CDK project directory or a markdown document) into a Project.

A markdown response's files come from its fenced code blocks, named by their
headings, path comments or content, and every line keeps the markdown line it
came from. An unsafe file name raises UnsafePathError. A document with no
project files gives a Project with no files and a warning, which the synth
stage classifies as an unparseable response.
"""

from __future__ import annotations

import logging
from pathlib import Path

from harness._project import Project
from harness.errors import ConfigError
from harness.ingest._directory import project_from_directory
from harness.ingest._markdown import project_from_markdown
from harness.ingest._paths import safe_path
from harness.ingest._writer import write_project, write_text_file

__all__ = ["ingest", "ingest_text", "safe_path", "write_project", "write_text_file"]

logger = logging.getLogger(__name__)


def ingest(source: Path | str, *, name: str | None = None) -> Project:
    """Read a response directory or document at `source` into a Project.

    `name` defaults to the directory's name, or the document's parent
    directory name when the document is called like `MODEL_RESPONSE.md`.
    """
    path = Path(source)
    if not path.exists():
        raise ConfigError(
            f"response not found: {str(path)!r}; pass a directory or a file"
        )
    document = _single_document(path) if path.is_dir() else None
    if document is not None:
        project = _ingest_file(document, name or path.resolve().name)
    elif path.is_dir():
        project = project_from_directory(path, name or path.resolve().name)
    else:
        project = _ingest_file(path, name or _default_name(path))
    _log(project)
    return project


def _single_document(directory: Path) -> Path | None:
    """Return the markdown response a folder contains instead of a project, if any.

    Datasets keep a response as a folder with one document (MODEL_RESPONSE.md);
    such a folder has no other files, so it is read as that document.
    """
    entries = [p for p in directory.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_file() and entries[0].suffix.lower() == ".md":
        return entries[0]
    return None


def ingest_text(markdown: str, name: str) -> Project:
    """Read a markdown response given as text (a JSONL or CSV cell) into a Project."""
    project = project_from_markdown(markdown, name)
    _log(project)
    return project


def _ingest_file(path: Path, name: str) -> Project:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"response file {str(path)!r} is not UTF-8 text ({error.reason} at byte "
            f"{error.start}); convert it to UTF-8"
        ) from error
    return project_from_markdown(text, name)


def _default_name(path: Path) -> str:
    generic = path.stem.upper() in (
        "MODEL_RESPONSE",
        "IDEAL_RESPONSE",
        "RESPONSE",
        "README",
    )
    parent = path.resolve().parent.name
    return f"{parent}/{path.stem}" if generic and parent else path.stem


def _log(project: Project) -> None:
    logger.info(
        "ingested %s: %d files, %d skipped blocks, %d warnings",
        project.name,
        len(project.files),
        len(project.skipped),
        len(project.warnings),
    )
    for warning in project.warnings:
        logger.debug("%s: %s", project.name, warning)
