"""Checks that a citation's line numbers and text match the response."""

from __future__ import annotations

from harness._project import Project, SourceFile
from harness.sourcemap._citation import Citation, CitedLine


def citation_problems(project: Project, citation: Citation) -> list[str]:
    """Return every way `citation` disagrees with the project's text (empty if none).

    Each cited line must exist in its file with the same text. Its markdown line
    must be the one that ingest recorded, and that markdown line must end with
    the same text, because a block may be indented in the document.
    """
    if citation.kind == "absent":
        return [] if not citation.lines else ["an absent citation cites lines"]
    if citation.file not in project.files:
        return [f"file {citation.file!r} is not in the project"]
    source = project.files[citation.file]
    file_lines = source.text.splitlines()
    markdown_lines = project.markdown.splitlines() if project.markdown else []
    problems: list[str] = []
    for cited in citation.lines:
        problems.extend(
            _line_problems(citation.file, cited, source, file_lines, markdown_lines)
        )
    return problems


def _line_problems(
    path: str,
    cited: CitedLine,
    source: SourceFile,
    file_lines: list[str],
    markdown_lines: list[str],
) -> list[str]:
    where = f"{path}:{cited.line}"
    if not 1 <= cited.line <= len(file_lines):
        return [f"{where} is past the end of the file ({len(file_lines)} lines)"]
    problems = []
    if file_lines[cited.line - 1] != cited.text:
        problems.append(
            f"{where} reads {file_lines[cited.line - 1]!r}, not {cited.text!r}"
        )
    if cited.markdown_line != source.markdown_line(cited.line):
        problems.append(
            f"{where} came from markdown line {source.markdown_line(cited.line)}, "
            f"not {cited.markdown_line}"
        )
    if cited.markdown_line is not None:
        problems.extend(_markdown_problems(where, cited, markdown_lines))
    return problems


def _markdown_problems(
    where: str, cited: CitedLine, markdown_lines: list[str]
) -> list[str]:
    assert cited.markdown_line is not None
    if not 1 <= cited.markdown_line <= len(markdown_lines):
        return [f"{where}: markdown line {cited.markdown_line} does not exist"]
    document_line = markdown_lines[cited.markdown_line - 1]
    text = cited.text.strip()
    if text and document_line.rstrip().endswith(text):
        return []
    if not text and not document_line.strip():
        return []
    return [
        (
            f"{where}: markdown line {cited.markdown_line} reads {document_line!r}, "
            f"not {cited.text!r}"
        )
    ]


def verify_citation(project: Project, citation: Citation) -> bool:
    """Return True when every line number of `citation` matches the project text."""
    return not citation_problems(project, citation)
