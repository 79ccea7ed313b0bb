"""Build a Project from a markdown response's fenced blocks, for the cfn tests.

Each fenced block becomes `block<N>.<ext>` with exact markdown line origins.
The cfn tests use it so they depend only on the cfn package, not on ingest.
"""

from __future__ import annotations

import re

from harness._project import Project, SourceFile

_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
_EXTENSIONS = {"yaml": ".yaml", "yml": ".yaml", "json": ".json"}


def project_from_markdown(markdown: str, name: str = "response") -> Project:
    """Return a Project with one SourceFile per fenced block of `markdown`."""
    files: dict[str, SourceFile] = {}
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence, language = match.group(2), match.group(3).lower()
        body_start = index + 1
        end = body_start
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        path = f"block{len(files) + 1}{_EXTENSIONS.get(language, '.txt')}"
        files[path] = SourceFile(
            path=path,
            text="\n".join(lines[body_start:end]) + "\n",
            origin_lines=tuple(range(body_start + 1, end + 1)),
            language=language or None,
        )
        index = end + 1
    return Project(name=name, kind="markdown", files=files, markdown=markdown)
