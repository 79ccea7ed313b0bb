"""Lines of project files (README, tests, package scripts) that an item judges."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from harness._project import Project
from harness.sourcemap._citation import (
    MAX_EXCERPT_LINES,
    Citation,
    cite_lines,
    fence_language,
)
from harness.sourcemap._scan import balanced_end, construct_span, find_property_lines


def cite_file(
    project: Project, path: str, line: int | None, key: str, note: str = ""
) -> Citation:
    """Cite a project file at `line` and the statement it starts, or by item `key`."""
    source = project.files[path]
    lines = source.text.splitlines()
    if line and 1 <= line <= len(lines):
        language = fence_language(path, source)
        end = balanced_end(lines, line, language, single_line_ok=True) or line
        last = min(end, line + MAX_EXCERPT_LINES - 1)
        return cite_lines(
            project,
            path,
            range(line, last + 1),
            kind="file",
            note=note,
            truncated=last < end,
        )
    return select_file_lines(project, path, key, note)


def select_file_lines(project: Project, path: str, key: str, note: str) -> Citation:
    """Cite the lines of a project file that show what the item `key` judges."""
    lines = project.files[path].text.splitlines()
    selector = _FILE_SELECTORS.get(key)
    numbers = selector(path, lines) if selector else []
    if not numbers:
        numbers = list(range(1, min(len(lines), MAX_EXCERPT_LINES) + 1))
    truncated = len(numbers) > MAX_EXCERPT_LINES * 2
    return cite_lines(
        project,
        path,
        numbers[: MAX_EXCERPT_LINES * 2],
        kind="file",
        note=note,
        truncated=truncated,
    )


def _markdown_headings(path: str, lines: list[str]) -> list[int]:
    """Return the lines of markdown headings outside fenced blocks."""
    numbers = []
    fence: str | None = None
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        marker = re.match(r"(`{3,}|~{3,})", stripped)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif stripped.startswith(fence):
                fence = None
            continue
        if fence is None and re.match(r"#{1,6}\s", stripped):
            numbers.append(number)
    return numbers


_TEST_DECLARATION = re.compile(
    r"^\s*(?:(?:describe|test|it)(?:\.\w+)?\s*\(|(?:async\s+)?def\s+test_|class\s+Test)"
)


def _test_declarations(path: str, lines: list[str]) -> list[int]:
    return [n for n, line in enumerate(lines, start=1) if _TEST_DECLARATION.match(line)]


def _script_lines(path: str, lines: list[str]) -> list[int]:
    """Return a package.json "scripts" block or the targets of a Makefile."""
    name = PurePosixPath(path).name
    if name == "package.json":
        found = find_property_lines(lines, (1, len(lines)), ("scripts",))
        if not found:
            return []
        first, last = construct_span(lines, found[0], "json")
        return list(range(first, last + 1))
    return [
        n
        for n, line in enumerate(lines, start=1)
        if re.match(r"^[A-Za-z0-9_][\w.-]*\s*:(?!=)", line)
    ]


_FILE_SELECTORS: dict[str, Callable[[str, list[str]], list[int]]] = {
    "readme": _markdown_headings,
    "test-coverage": _test_declarations,
    "package-scripts": _script_lines,
}

# Project files that an item judges, when its finding names none.
_FILE_CANDIDATES: dict[str, Callable[[str], bool]] = {
    "readme": lambda path: PurePosixPath(path).name.lower().startswith("readme"),
    "test-coverage": lambda path: bool(
        re.search(r"(^|/)(tests?/|test_[^/]*\.py$)|\.(test|spec)\.[jt]sx?$", path)
    ),
    "package-scripts": lambda path: (
        PurePosixPath(path).name
        in ("package.json", "Makefile", "justfile", "tasks.py", "noxfile.py")
    ),
}


def cite_project_file(project: Project, key: str) -> list[Citation]:
    matches = _FILE_CANDIDATES.get(key)
    if matches is None:
        return []
    paths = sorted(path for path in project.files if matches(path))
    return [select_file_lines(project, path, key, "") for path in paths]
