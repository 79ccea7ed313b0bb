"""Render citations as captioned, fenced excerpts of a report."""

from __future__ import annotations

import re

from harness.sourcemap import Citation, CitedLine


def citation_block(citation: Citation, label: str) -> list[str]:
    """Render one citation: a caption per contiguous run of lines, then a fence."""
    if citation.kind == "absent" or not citation.lines:
        note = citation.note or "nothing in the response corresponds"
        return [f"**{label}**: {sentence(note)}"]
    lines: list[str] = []
    for run in _runs(citation.lines):
        caption = f"**{label}** ({_location(citation.file or '', run)})"
        if citation.note and not lines:
            caption += f", {citation.note}"
        if lines:
            lines.append("")
        lines.extend([caption + ":", fence([c.text for c in run], citation.language)])
    if citation.truncated:
        lines.append("(excerpt cut short; the construct continues)")
    return lines


def _runs(cited: tuple[CitedLine, ...]) -> list[list[CitedLine]]:
    """Split lines into runs that are contiguous in the file and in the markdown."""
    runs: list[list[CitedLine]] = []
    for line in cited:
        if runs and _follows(runs[-1][-1], line):
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _follows(previous: CitedLine, line: CitedLine) -> bool:
    if line.line != previous.line + 1:
        return False
    if previous.markdown_line is None or line.markdown_line is None:
        return previous.markdown_line is None and line.markdown_line is None
    return line.markdown_line == previous.markdown_line + 1


def _location(path: str, run: list[CitedLine]) -> str:
    text = f"`{path}` {_span('line', run[0].line, run[-1].line)}"
    if run[0].markdown_line is not None:
        text += (
            f", markdown {_span('line', run[0].markdown_line, run[-1].markdown_line)}"
        )
    return text


def _span(word: str, first: int, last: int | None) -> str:
    if last is None or last == first:
        return f"{word} {first}"
    return f"{word}s {first}-{last}"


def fence(text_lines: list[str], language: str | None) -> str:
    """Return a fenced block, its fence longer than any backtick run inside."""
    longest = max((len(m) for t in text_lines for m in re.findall(r"`+", t)), default=0)
    fence = "`" * max(3, longest + 1)
    return "\n".join([f"{fence}{language or ''}", *text_lines, fence])


def sentence(text: str) -> str:
    """Return `text` with a capital first letter and a closing full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
