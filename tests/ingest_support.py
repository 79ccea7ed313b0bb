"""Shared checks for the ingest tests."""

from __future__ import annotations

from pathlib import Path

from harness._project import Project

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"


def assert_origins_exact(project: Project) -> None:
    """Each file line equals its markdown line once list indentation is removed."""
    assert project.markdown is not None
    markdown_lines = project.markdown.replace("\r\n", "\n").split("\n")
    for path, source in project.files.items():
        file_lines = source.text.split("\n")
        if file_lines[-1] == "":
            file_lines.pop()
        assert len(file_lines) == len(source.origin_lines), path
        for number, (line, origin) in enumerate(
            zip(file_lines, source.origin_lines), 1
        ):
            assert origin is not None, f"{path}:{number} has no markdown line"
            original = markdown_lines[origin - 1]
            prefix = original[: len(original) - len(line)]
            assert original.endswith(line), f"{path}:{number} vs markdown {origin}"
            assert not prefix.strip(), f"{path}:{number} vs markdown {origin}"
