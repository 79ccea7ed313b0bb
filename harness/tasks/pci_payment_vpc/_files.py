"""Read a response's project files: tests, README headings and task runners."""

from __future__ import annotations

import json
import re
import shlex
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
    """A named command of a task runner: a package.json script, a make target...

    `text` is the command as written. For make and just targets it starts
    with the prerequisites line, `prerequisites` lists those target names and
    `recipe` contains the recipe's shell lines with continuations joined and
    variables expanded.
    """

    source: str
    name: str
    text: str
    file: str
    line: int | None
    prerequisites: tuple[str, ...] = ()
    recipe: tuple[str, ...] = ()


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
    variables = make_variables(source.text)
    return [
        Command(
            kind,
            name,
            "\n".join(recipe).strip(),
            source.path,
            line,
            prerequisites=_prerequisites(recipe[0], kind),
            recipe=tuple(_recipe_lines(recipe[1:], variables)),
        )
        for names, recipe, line in targets
        for name in names
    ]


_VARIABLE_ASSIGNMENT = re.compile(
    r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(\?=|:{1,3}=|\+=|!=|=)\s*(.*)$"
)
_VARIABLE_REFERENCE = re.compile(
    r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}"
    r"|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}"
)
_MAX_EXPANSION_DEPTH = 10


def make_variables(text: str) -> dict[str, str]:
    """Return the variables a Makefile or justfile assigns at the top level.

    `?=` keeps an earlier value, `+=` appends, and a justfile's quoted value
    loses its quotes. Shell assignments (`!=`) are kept unexpanded.
    """
    variables: dict[str, str] = {}
    for line in text.splitlines():
        match = _VARIABLE_ASSIGNMENT.match(line)
        if match is None or line[:1] in ("\t", " "):
            continue
        name, operator, value = match.groups()
        value = value.split(" #", 1)[0].strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if operator == "?=" and name in variables:
            continue
        if operator == "+=" and name in variables:
            value = f"{variables[name]} {value}"
        variables[name] = value
    return variables


def expand_variables(text: str, variables: dict[str, str]) -> str:
    """Replace `$(NAME)`, `${NAME}` and `{{NAME}}` with known values, repeatedly.

    An unknown variable stays as written, and expansion stops after ten rounds
    so that a self-referencing variable cannot loop.
    """
    for _ in range(_MAX_EXPANSION_DEPTH):
        expanded = _VARIABLE_REFERENCE.sub(
            lambda m: variables.get(next(g for g in m.groups() if g), m.group(0)),
            text,
        )
        if expanded == text:
            break
        text = expanded
    return text


def _prerequisites(line: str, kind: str) -> tuple[str, ...]:
    """Return the target names after a rule's colon, without order-only marks."""
    if kind == "justfile":
        return tuple(word for word in line.split() if re.fullmatch(r"[\w-]+", word))
    words = line.split(";", 1)[0].split()
    return tuple(word for word in words if word != "|" and "$" not in word)


def _recipe_lines(lines: list[str], variables: dict[str, str]) -> Iterator[str]:
    """Yield a recipe's shell lines: continuations joined, comments dropped,
    make's `@`, `-` and `+` prefixes removed and variables expanded."""
    pending = ""
    for line in lines:
        if not pending and line.lstrip("@-+ ").startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        joined = (pending + line).lstrip("@-+ ")
        pending = ""
        if joined:
            yield expand_variables(joined, variables)
    if pending.strip():
        yield expand_variables(pending.lstrip("@-+ ").strip(), variables)


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


_SHELL_OPERATORS = {"&&", "||", ";", "|", "&", ";;", "|&"}
_SHELL_SEPARATOR = re.compile(r"&&|\|\||[;|&]")
_ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def split_shell_line(line: str) -> list[str]:
    """Split a shell line into simple commands at `&&`, `||`, `;`, `|` and `&`,
    outside quotes, dropping leading `NAME=value` assignments.

    Words lose their quotes. A line shlex cannot parse (an unclosed quote) is
    split at the operators wherever they stand.
    """
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return [part.strip() for part in _SHELL_SEPARATOR.split(line) if part.strip()]
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token in _SHELL_OPERATORS:
            parts.append([])
        elif parts[-1] or not _ENV_ASSIGNMENT.match(token):
            parts[-1].append(token)
    return [" ".join(words) for words in parts if words]


def simple_commands(command: Command, commands: list[Command]) -> list[str]:
    """Return the simple shell commands `command` runs, with those of its make
    prerequisites first (depth first, each target once).

    Each line is split by `split_shell_line`. Commands of runners without a
    parsed recipe are split from their text line by line.
    """
    by_name = {(c.file, c.name): c for c in commands}
    result: list[str] = []
    visited: set[tuple[str, str]] = set()

    def visit(target: Command) -> None:
        key = (target.file, target.name)
        if key in visited:
            return
        visited.add(key)
        for name in target.prerequisites:
            prerequisite = by_name.get((target.file, name))
            if prerequisite is not None:
                visit(prerequisite)
        lines = target.recipe if target.source in ("Makefile", "justfile") else None
        for line in lines if lines is not None else target.text.splitlines():
            result.extend(split_shell_line(line))

    visit(command)
    return result
