"""The ingested form of a response: its files, and where each line came from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ResponseKind = Literal["directory", "markdown"]


@dataclass(frozen=True)
class SourceFile:
    """One file of a response.

    `origin_lines[i]` is the 1-based line of the markdown document that line
    `i + 1` of `text` came from, or None when the file was not extracted from
    markdown (a directory response) or has no counterpart there.
    """

    path: str
    text: str
    origin_lines: tuple[int | None, ...] = ()
    language: str | None = None

    def markdown_line(self, line: int) -> int | None:
        """Return the markdown line of 1-based `line` of this file, if known."""
        if 1 <= line <= len(self.origin_lines):
            return self.origin_lines[line - 1]
        return None


@dataclass(frozen=True)
class SkippedBlock:
    """A fenced block or file that ingest did not turn into a project file."""

    markdown_line: int | None
    reason: str
    preview: str = ""


@dataclass
class Project:
    """A response as a set of files, ready to synthesize."""

    name: str
    kind: ResponseKind
    files: dict[str, SourceFile]
    markdown: str | None = None
    skipped: list[SkippedBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def content_hash(self) -> str:
        """Return a SHA-256 over the file paths and contents, independent of order."""
        digest = hashlib.sha256()
        for path in sorted(self.files):
            digest.update(path.encode())
            digest.update(b"\0")
            digest.update(self.files[path].text.encode())
            digest.update(b"\0")
        return digest.hexdigest()

    def write_to(self, directory: Path) -> None:
        """Write every file under `directory`, following no symbolic link.

        Raises UnsafePathError for an unsafe path or a link in the way.
        """
        from harness.ingest import write_project

        write_project(self, directory)

    def manifest(self) -> dict:
        """Return a JSON-ready summary: files with their markdown line spans, skips."""
        return {
            "name": self.name,
            "kind": self.kind,
            "files": {
                path: {
                    "lines": _line_count(source.text),
                    "markdown_lines": _span(source.origin_lines),
                    "language": source.language,
                }
                for path, source in sorted(self.files.items())
            },
            "skipped": [vars(block) for block in self.skipped],
            "warnings": list(self.warnings),
        }

    def to_json(self) -> str:
        return json.dumps(self.manifest(), indent=2, sort_keys=True)

    def to_dict(self) -> dict:
        """Return the whole project (file texts and line origins included) as JSON data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "markdown": self.markdown,
            "files": {
                path: {
                    "text": source.text,
                    "origin_lines": list(source.origin_lines),
                    "language": source.language,
                }
                for path, source in sorted(self.files.items())
            },
            "skipped": [vars(block) for block in self.skipped],
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Project:
        files = {
            path: SourceFile(
                path=path,
                text=entry["text"],
                origin_lines=tuple(entry.get("origin_lines", ())),
                language=entry.get("language"),
            )
            for path, entry in data.get("files", {}).items()
        }
        return cls(
            name=data["name"],
            kind=data["kind"],
            files=files,
            markdown=data.get("markdown"),
            skipped=[SkippedBlock(**block) for block in data.get("skipped", [])],
            warnings=list(data.get("warnings", [])),
        )


def _line_count(text: str) -> int:
    """Return the number of `\\n`-separated lines, not counting a final newline."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def _span(origin: tuple[int | None, ...]) -> list[int] | None:
    known = [line for line in origin if line is not None]
    return [min(known), max(known)] if known else None
