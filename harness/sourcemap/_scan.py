"""Bracket-balanced spans of construct calls, and the lines that set a property."""

from __future__ import annotations

import re
from collections.abc import Iterable

# A call is scanned for its closing bracket over at most this many lines.
MAX_CALL_LINES = 400


def snake_case(name: str) -> str:
    """Return the snake_case spelling of a camelCase property name."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def construct_span(lines: list[str], start: int, language: str) -> tuple[int, int]:
    """Return the 1-based (first, last) lines of the call that starts on `start`.

    The scan balances (), [] and {} and skips strings and comments. When the
    site line sits inside a call (more closers than openers), the span starts
    at the line that opens that call. An unbalanced call ends after
    MAX_CALL_LINES lines or at the end of the file.
    """
    if language == "yaml":
        return start, yaml_block_end(lines, start)
    end = balanced_end(lines, start, language)
    if end is not None:
        return start, end
    for first in range(start - 1, max(0, start - 40), -1):
        end = balanced_end(lines, first, language)
        if end is not None and end >= start:
            return first, end
    return start, min(len(lines), start + MAX_CALL_LINES - 1)


def yaml_block_end(lines: list[str], start: int) -> int:
    """Return the last line of the YAML block that starts on `start`.

    The block is the start line and the lines after it that are indented
    deeper, or blank; trailing blank lines are left out.
    """
    indent = _indent(lines[start - 1])
    end = start
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        if _indent(line) <= indent:
            break
        end = number
    return end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" -"))


def balanced_end(
    lines: list[str], start: int, language: str, single_line_ok: bool = False
) -> int | None:
    """Return the line where the brackets opened from `start` close, or None.

    None means the scan met a closing bracket first, or never closed. With
    `single_line_ok`, a first line that opens nothing is a span of its own, as
    for a property value such as `maxAzs: 2,`. Without it, the scan goes on to
    the first opening bracket, as for `const vpc =` before `new Vpc(`.
    """
    if language == "yaml":
        return yaml_block_end(lines, start)
    scanner = _BracketScanner(python=language == "python")
    last = min(len(lines), start + MAX_CALL_LINES - 1)
    for number in range(start, last + 1):
        state = scanner.feed(lines[number - 1])
        if state == "underflow":
            return None
        if state == "closed":
            return number
        if single_line_ok and not scanner.opened:
            return number
    if scanner.opened:
        return None
    return start


class _BracketScanner:
    """Tracks bracket depth over source lines, skipping strings and comments.

    NOTE: template literals and f-strings are skipped as plain strings, so a
    bracket inside `${...}` or `{...}` placeholders does not count.
    """

    def __init__(self, python: bool) -> None:
        self.python = python
        self.depth = 0
        self.opened = False
        self.quote: str | None = None
        self.block_comment = False

    def feed(self, line: str) -> str:
        """Scan one line; return "closed", "underflow" or "open"."""
        index = 0
        while index < len(line):
            step = self._step(line, index)
            if step < 0:
                return "closed" if step == -1 else "underflow"
            if step == 0:
                break
            index += step
        if self.quote in ("'", '"'):
            self.quote = None
        if self.opened and self.depth <= 0:
            return "closed"
        return "open"

    def _step(self, line: str, index: int) -> int:
        """Consume one token; return its length, 0 to end the line, <0 to stop."""
        if self.block_comment:
            if line.startswith("*/", index):
                self.block_comment = False
                return 2
            return 1
        if self.quote is not None:
            return self._step_in_string(line, index)
        char = line[index]
        if self._starts_line_comment(line, index):
            return 0
        if not self.python and line.startswith("/*", index):
            self.block_comment = True
            return 2
        if self.python and line.startswith(('"""', "'''"), index):
            self.quote = line[index : index + 3]
            return 3
        if char in "\"'`":
            self.quote = char
            return 1
        return self._step_bracket(char)

    def _step_in_string(self, line: str, index: int) -> int:
        assert self.quote is not None
        if line[index] == "\\":
            return 2
        if line.startswith(self.quote, index):
            length = len(self.quote)
            self.quote = None
            return length
        return 1

    def _starts_line_comment(self, line: str, index: int) -> bool:
        if self.python:
            return line[index] == "#"
        return line.startswith("//", index)

    def _step_bracket(self, char: str) -> int:
        if char in "([{":
            self.depth += 1
            self.opened = True
        elif char in ")]}":
            self.depth -= 1
            if not self.opened:
                return -2
            if self.depth <= 0:
                return -1
        return 1


def find_property_lines(
    lines: list[str], span: tuple[int, int], keywords: Iterable[str]
) -> list[int]:
    """Return the 1-based lines in `span` that set any of `keywords`.

    A keyword matches in camelCase or snake_case, quoted or not, followed by
    `:` (object literal, JSON) or `=` (keyword argument), so `maxAzs: 2`,
    `max_azs=2` and `"scripts": {` all match.
    """
    names = set()
    for keyword in keywords:
        names.add(keyword)
        names.add(snake_case(keyword))
    if not names:
        return []
    alternatives = "|".join(
        sorted((re.escape(n) for n in names), key=len, reverse=True)
    )
    pattern = re.compile(rf"(?<![\w$.])[\"']?(?:{alternatives})[\"']?\s*(?::|=(?!=))")
    first, last = span
    return [n for n in range(first, last + 1) if pattern.search(lines[n - 1])]
