"""Read a response's project files: tests, README headings and task runners."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from harness._project import Project, SourceFile

_IGNORED_DIRS = {"node_modules", "cdk.out", ".venv", "venv", ".git", "dist", "build"}
_TEST_NAME = re.compile(r"(\.(test|spec)\.[cm]?[jt]sx?$)|(^test_.*\.py$)|(_test\.py$)")
_ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Heading:
    text: str
    line: int
    level: int


@dataclass(frozen=True)
class Command:
    """A named command of a task runner: a package.json script, a make target..."""

    source: str
    name: str
    text: str
    file: str
    line: int | None


def project_files(project: Project) -> Iterator[SourceFile]:
    """Yield the response's own files, skipping dependency and build output dirs."""
    for path, source in sorted(project.files.items()):
        if not _IGNORED_DIRS & set(PurePosixPath(path).parts[:-1]):
            yield source


def find_test_files(project: Project) -> list[SourceFile]:
    """Return jest (`*.test.ts`, `*.spec.ts`) and pytest (`test_*.py`) files."""
    return [
        f
        for f in project_files(project)
        if _TEST_NAME.search(PurePosixPath(f.path).name)
    ]


def find_file(project: Project, *names: str) -> SourceFile | None:
    """Return the shallowest file whose name is one of `names` (case-insensitive)."""
    wanted = {name.lower() for name in names}
    found = [
        f
        for f in project_files(project)
        if PurePosixPath(f.path).name.lower() in wanted
    ]
    return min(found, key=lambda f: (f.path.count("/"), f.path)) if found else None


def find_readme(project: Project) -> SourceFile | None:
    """Return the shallowest README file (README.md, readme.rst, README...)."""
    found = [
        f
        for f in project_files(project)
        if PurePosixPath(f.path).name.lower().startswith("readme")
    ]
    return min(found, key=lambda f: (f.path.count("/"), f.path)) if found else None


def headings(text: str) -> list[Heading]:
    """Return the Markdown headings (ATX and setext) outside fenced code blocks."""
    result = []
    fence: str | None = None
    lines = text.splitlines()
    for index, line in enumerate(lines):
        marker = _FENCE.match(line)
        if marker:
            token = marker.group(1)[0] * 3
            if fence is None:
                fence = token
            elif token == fence:
                fence = None
            continue
        if fence is not None:
            continue
        atx = _ATX_HEADING.match(line)
        if atx:
            result.append(Heading(atx.group(2), index + 1, len(atx.group(1))))
        elif _is_setext(lines, index):
            level = 1 if lines[index + 1].strip().startswith("=") else 2
            result.append(Heading(line.strip(), index + 1, level))
    return result


def _is_setext(lines: list[str], index: int) -> bool:
    if index + 1 >= len(lines) or not lines[index].strip():
        return False
    underline = lines[index + 1].strip()
    return len(underline) >= 3 and set(underline) in ({"="}, {"-"})


def line_of(source: SourceFile, pattern: str) -> int | None:
    """Return the 1-based line of the first match of regex `pattern`, if any."""
    compiled = re.compile(pattern)
    for index, line in enumerate(source.text.splitlines()):
        if compiled.search(line):
            return index + 1
    return None


def package_json_commands(source: SourceFile) -> list[Command]:
    try:
        data = json.loads(source.text)
    except json.JSONDecodeError:
        return []
    scripts = data.get("scripts") if isinstance(data, dict) else None
    if not isinstance(scripts, dict):
        return []
    return [
        Command(
            "package.json",
            name,
            str(text),
            source.path,
            line_of(source, r'"' + re.escape(name) + r'"\s*:'),
        )
        for name, text in scripts.items()
    ]


_MAKE_TARGET = re.compile(
    r"^([A-Za-z0-9_./%-]+(?:\s+[A-Za-z0-9_./%-]+)*)\s*:(?!=)(.*)$"
)
_MAKE_ASSIGNMENT = re.compile(r"^[A-Za-z0-9_.]+\s*(?:[:?+!]?=)")


def makefile_commands(source: SourceFile, kind: str = "Makefile") -> list[Command]:
    """Return each target with its recipe; recipe lines may be tab- or space-indented.

    Space indentation is accepted because Markdown rendering often turns a
    Makefile's tabs into spaces. A justfile recipe is named by its first word.
    """
    targets: list[tuple[list[str], list[str], int]] = []
    is_open = False
    for index, line in enumerate(source.text.splitlines()):
        if line[:1] in ("\t", " "):
            if is_open:
                targets[-1][1].append(line.strip())
            continue
        match = _MAKE_TARGET.match(line)
        if match and not _MAKE_ASSIGNMENT.match(line) and not line.startswith("."):
            names = match.group(1).split()
            names = names[:1] if kind == "justfile" else names
            targets.append((names, [match.group(2).strip()], index + 1))
            is_open = True
        elif line.strip() and not line.lstrip().startswith("#"):
            is_open = False
    return [
        Command(kind, name, "\n".join(recipe).strip(), source.path, line)
        for names, recipe, line in targets
        for name in names
    ]


def tox_commands(source: SourceFile) -> list[Command]:
    commands: list[Command] = []
    section: str | None = None
    for index, line in enumerate(source.text.splitlines()):
        header = re.match(r"^\[(testenv(?::([^\]]+))?)\]", line)
        if header:
            section = header.group(2) or "test"
            commands.append(Command("tox", section, "", source.path, index + 1))
        elif line.startswith("["):
            section = None
        elif section is not None and commands:
            last = commands[-1]
            commands[-1] = Command(
                last.source, last.name, last.text + "\n" + line, last.file, last.line
            )
    return commands


_PY_TASK = re.compile(r"^(?:@[^\n]*\n)+def\s+(\w+)\s*\(", re.MULTILINE)


def python_task_commands(source: SourceFile, kind: str) -> list[Command]:
    """Return decorated functions of noxfile.py or tasks.py with their bodies."""
    matches = list(_PY_TASK.finditer(source.text))
    commands = []
    for position, match in enumerate(matches):
        end = matches[position + 1].start() if position + 1 < len(matches) else None
        body = source.text[match.start() : end]
        line = source.text.count("\n", 0, match.start(1)) + 1
        commands.append(Command(kind, match.group(1), body, source.path, line))
    return commands


_PYPROJECT_RUNNERS = (
    ("poe", ("tool", "poe", "tasks")),
    ("taskipy", ("tool", "taskipy", "tasks")),
    ("pdm", ("tool", "pdm", "scripts")),
    ("rye", ("tool", "rye", "scripts")),
)


def pyproject_commands(source: SourceFile) -> list[Command]:
    try:
        data = tomllib.loads(source.text)
    except tomllib.TOMLDecodeError:
        return []
    tables: list[tuple[str, Any]] = []
    for kind, path in _PYPROJECT_RUNNERS:
        node: Any = data
        for part in path:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        tables.append((kind, node))
    hatch_envs = data.get("tool", {}).get("hatch", {}).get("envs", {})
    for env in hatch_envs.values() if isinstance(hatch_envs, dict) else []:
        tables.append(
            ("hatch", env.get("scripts", {}) if isinstance(env, dict) else {})
        )
    return [
        Command(
            kind,
            name,
            json.dumps(value) if not isinstance(value, str) else value,
            source.path,
            line_of(source, r"^\s*" + re.escape(name) + r"\s*="),
        )
        for kind, table in tables
        if isinstance(table, dict)
        for name, value in table.items()
    ]


def task_runner_commands(project: Project) -> list[Command]:
    """Return the commands of every task runner a project ships."""
    commands: list[Command] = []
    readers = (
        (("package.json",), package_json_commands),
        (("Makefile", "makefile", "GNUmakefile"), makefile_commands),
        (("justfile", ".justfile"), lambda s: makefile_commands(s, "justfile")),
        (("tox.ini",), tox_commands),
        (("noxfile.py",), lambda s: python_task_commands(s, "nox")),
        (("tasks.py",), lambda s: python_task_commands(s, "invoke")),
        (("pyproject.toml",), pyproject_commands),
    )
    for names, reader in readers:
        source = find_file(project, *names)
        if source is not None:
            commands.extend(reader(source))
    return commands
