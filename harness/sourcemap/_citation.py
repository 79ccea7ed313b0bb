"""Citations: excerpts of a response's files with file and markdown line numbers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from harness._project import Project, SourceFile

CitationKind = Literal["property", "construct", "file", "absent"]

# A construct call longer than this is shown cut short in an excerpt.
MAX_EXCERPT_LINES = 14

_FENCE_LANGUAGES = {
    ".ts": "ts",
    ".tsx": "tsx",
    ".mts": "ts",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".py": "python",
    ".json": "json",
    ".md": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".cfg": "ini",
    ".ini": "ini",
    ".sh": "bash",
    ".txt": "text",
}


@dataclass(frozen=True)
class CitedLine:
    """One line of a response file: its 1-based number, markdown line and text."""

    line: int
    markdown_line: int | None
    text: str

    def to_dict(self) -> dict:
        return {
            "line": self.line,
            "markdown_line": self.markdown_line,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CitedLine:
        return cls(data["line"], data.get("markdown_line"), data["text"])


@dataclass(frozen=True)
class Citation:
    """An excerpt of the response that a finding points at.

    `kind` is "property" (lines setting a property), "construct" (the call that
    creates a resource), "file" (lines of a project file) or "absent". An absent
    citation means that nothing in the response corresponds, so its `file` is
    None and its `lines` are empty.
    """

    kind: CitationKind
    file: str | None = None
    language: str | None = None
    lines: tuple[CitedLine, ...] = ()
    note: str = ""
    logical_ids: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def first_line(self) -> int | None:
        return self.lines[0].line if self.lines else None

    @property
    def last_line(self) -> int | None:
        return self.lines[-1].line if self.lines else None

    @property
    def markdown_lines(self) -> list[int]:
        return [c.markdown_line for c in self.lines if c.markdown_line is not None]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file,
            "language": self.language,
            "lines": [line.to_dict() for line in self.lines],
            "note": self.note,
            "logical_ids": list(self.logical_ids),
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Citation:
        return cls(
            kind=data["kind"],
            file=data.get("file"),
            language=data.get("language"),
            lines=tuple(CitedLine.from_dict(c) for c in data.get("lines", [])),
            note=data.get("note", ""),
            logical_ids=tuple(data.get("logical_ids", [])),
            truncated=bool(data.get("truncated", False)),
        )


def fence_language(path: str, source: SourceFile | None = None) -> str:
    """Return the fenced-block language for a response file, from its extension."""
    name = PurePosixPath(path).name
    if name == "Makefile" or name.endswith(".mk"):
        return "makefile"
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _FENCE_LANGUAGES:
        return _FENCE_LANGUAGES[suffix]
    if source is not None and source.language:
        return source.language
    return "text"


def cite_lines(
    project: Project,
    path: str,
    numbers: Iterable[int],
    *,
    kind: CitationKind,
    note: str = "",
    logical_ids: tuple[str, ...] = (),
    truncated: bool = False,
) -> Citation:
    """Build a citation of the given 1-based lines of a project file."""
    source = project.files[path]
    text_lines = source.text.splitlines()
    cited = tuple(
        CitedLine(n, source.markdown_line(n), text_lines[n - 1])
        for n in sorted(set(numbers))
        if 1 <= n <= len(text_lines)
    )
    return Citation(
        kind=kind,
        file=path,
        language=fence_language(path, source),
        lines=cited,
        note=note,
        logical_ids=logical_ids,
        truncated=truncated,
    )
