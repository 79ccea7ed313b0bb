"""Turn a markdown response into a Project whose files come from its code blocks.

Unsafe paths reject the whole response: a file name that leaves the project
(absolute, `..`, a drive or device) raises UnsafePathError naming it, because
skipping that block would evaluate a different project than the one the model
wrote. The only exception is a path that appears in a prose sentence ("Create
`/tmp/x.py`:"), a weak signal, which is ignored with a warning.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass

from harness._project import Project, SkippedBlock, SourceFile
from harness.errors import UnsafePathError
from harness.ingest._fences import Block, Fence, split_blocks
from harness.ingest._inference import Source, infer_paths
from harness.ingest._names import (
    Announcement,
    announcement_for,
    find_path_marker,
    heading_text,
    name_from_info,
)
from harness.ingest._paths import language_for, safe_path
from harness.ingest._roles import (
    Role,
    canonical_language,
    classify,
    is_fragment,
    is_language_word,
)

logger = logging.getLogger(__name__)

_CODE_LANGUAGES = {
    "typescript": "script",
    "javascript": "script",
    "python": "python",
    "json": "json",
    "yaml": "yaml",
    "shell": "shell",
}
_PREVIEW_CHARS = 80


@dataclass
class _Candidate:
    """A code block with its lines after path-marker removal, and its chosen name."""

    block: Block
    lines: list[tuple[int, str]]
    language: str | None
    path: str | None
    fragment: bool
    role: Role | None = None

    @property
    def text(self) -> str:
        return "".join(text + "\n" for _, text in self.lines)


def project_from_markdown(markdown: str, name: str) -> Project:
    """Return the Project that the code blocks of `markdown` describe."""
    lines = markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    project = Project(name=name, kind="markdown", files={}, markdown=markdown)
    blocks, _, fence_warnings = split_blocks(lines, _opens_markdown, _names_file)
    project.warnings.extend(fence_warnings)
    blocks = _expand_wrappers(blocks, project.warnings)
    if not blocks:
        _read_unfenced(lines, project)
        return project
    candidates = [_prepare(block, project.warnings) for block in blocks]
    _name_unnamed(candidates, project.warnings)
    _assemble(candidates, project)
    if not project.files:
        project.warnings.append(
            f"none of the {len(blocks)} code blocks is a project file, "
            "so the response has no files to synthesize"
        )
    return project


def _opens_markdown(fence: Fence, gap: list[tuple[int, str]]) -> bool:
    language, path = name_from_info(fence.info)
    language = canonical_language(language)
    if language == "markdown":
        return True
    if language not in (None, "text"):
        return False
    if path is None:
        announcement = announcement_for(gap)
        path = announcement.path if announcement else None
    return path is not None and path.lower().endswith((".md", ".markdown"))


def _expand_wrappers(blocks: list[Block], warnings: list[str]) -> list[Block]:
    """Replace an unnamed markdown block that wraps named files by its inner blocks.

    Some responses put the whole response, file headings and code blocks
    included, inside one ```` ```markdown ```` block.
    """
    expanded: list[Block] = []
    for block in blocks:
        inner = _unwrap(block)
        if inner is None:
            expanded.append(block)
            continue
        warnings.append(
            f"markdown line {block.open_line}: the markdown block wraps the "
            f"response's files, so its {len(inner)} inner code blocks were read "
            "as separate blocks"
        )
        expanded.extend(_expand_wrappers(inner, warnings))
    return expanded


def _unwrap(block: Block) -> list[Block] | None:
    """Return the inner blocks of a wrapping markdown block, or None if it is not one."""
    info_language, info_path = name_from_info(block.info)
    if canonical_language(info_language) != "markdown" or info_path is not None:
        return None
    announcement = announcement_for(block.gap)
    if announcement is not None and announcement.path is not None:
        return None
    texts = [text for _, text in block.lines]
    inner, _, _ = split_blocks(texts, _opens_markdown, _names_file)
    if sum(1 for candidate in inner if _names_code_file(candidate)) < 2:
        return None
    numbers = [number for number, _ in block.lines]
    return [_renumber(candidate, numbers) for candidate in inner]


def _names_code_file(block: Block) -> bool:
    _, path = name_from_info(block.info)
    if path is None:
        marker = find_path_marker([text for _, text in block.lines], None)
        path = marker.path if marker else None
    if path is None:
        announcement = announcement_for(block.gap)
        path = announcement.path if announcement else None
    return path is not None and language_for(path) not in (None, "markdown", "text")


def _renumber(block: Block, numbers: list[int]) -> Block:
    """Map the line numbers of a block parsed from a block's text to the document."""
    return Block(
        open_line=numbers[block.open_line - 1],
        fence=block.fence,
        lines=[(numbers[n - 1], text) for n, text in block.lines],
        close_line=None if block.close_line is None else numbers[block.close_line - 1],
        gap=[(numbers[n - 1], text) for n, text in block.gap],
    )


def _names_file(line: str) -> bool:
    """Return whether `line` is a heading, bold line or `File:` line naming a file."""
    if heading_text(line) is None:
        return False
    announcement = announcement_for([(0, line)])
    return announcement is not None and announcement.path is not None


def _prepare(block: Block, warnings: list[str]) -> _Candidate:
    """Name a block from its info string, path comment or heading; drop the marker.

    An info word that is both a language and a file name (```` ```makefile ````)
    names the file only when no path comment or heading does.
    """
    info_language, info_path = name_from_info(block.info)
    language_word = _language_word(block.info, info_path)
    if language_word is not None:
        info_language, info_path = language_word, None
    language = canonical_language(info_language)
    lines = list(block.lines)
    marker = find_path_marker([text for _, text in lines], language)
    announcement = announcement_for(block.gap)
    path = info_path or (marker.path if marker else None)
    if info_path is None and marker is not None and announcement is not None:
        path = _reconcile(marker.path, announcement, block, warnings)
    if path is None and announcement is not None and announcement.path is not None:
        path = _from_announcement(announcement, language, block, warnings)
    if path is None and language_word is not None:
        path = language_word
    if path is not None and language == "diff":
        warnings.append(
            f"markdown line {block.open_line}: the diff for {path} was not applied; "
            "only whole files are extracted"
        )
        path = None
    if path is not None:
        path = safe_path(path)
    if marker is not None and marker.removable:
        del lines[marker.index]
    fragment = is_fragment([text for _, text in lines]) or bool(
        announcement and announcement.suggests_fragment
    )
    if path is not None and language in (None, "text"):
        language = language_for(path) or language
    return _Candidate(block, lines, language, path, fragment)


def _language_word(info: str, info_path: str | None) -> str | None:
    """Return the info string's first word when it is the path that
    `name_from_info` found and also a language name, else None."""
    words = info.split()
    if info_path is None or not words or words[0] != info_path:
        return None
    return info_path if is_language_word(info_path) else None


def _reconcile(
    marked: str, announcement: Announcement, block: Block, warnings: list[str]
) -> str:
    """Choose between a path comment and a heading that both name a block."""
    announced = announcement.path
    if announced is None or announced == marked:
        return marked
    if announced.endswith("/" + marked):
        return announced
    if not marked.endswith("/" + announced):
        warnings.append(
            f"markdown line {block.open_line}: the heading names {announced!r} but "
            f"the block's first-line comment names {marked!r}; the comment wins"
        )
    return marked


def _from_announcement(
    announcement: Announcement, language: str | None, block: Block, warnings: list[str]
) -> str | None:
    path = announcement.path
    assert path is not None
    implied = _CODE_LANGUAGES.get(language_for(path) or "")
    declared = _CODE_LANGUAGES.get(language or "")
    if implied and declared and implied != declared:
        warnings.append(
            f"markdown line {block.open_line}: the {language} block under "
            f"{announcement.text!r} (line {announcement.line}) is not named "
            f"{path!r}, because that name implies a different language"
        )
        return None
    if not announcement.strong:
        try:
            safe_path(path)
        except UnsafePathError as error:
            warnings.append(f"markdown line {announcement.line}: ignored {error}")
            return None
    return path


def _name_unnamed(candidates: list[_Candidate], warnings: list[str]) -> None:
    """Classify unnamed blocks and give the ones that are project files a path."""
    sources = []
    for candidate in candidates:
        if candidate.path is None:
            candidate.role = classify(candidate.language, candidate.text)
    cdk_response = any(_is_cdk_code(candidate) for candidate in candidates)
    for candidate in candidates:
        if cdk_response and candidate.role in (Role.TEMPLATE_YAML, Role.TEMPLATE_JSON):
            candidate.role = Role.SYNTH_OUTPUT
        sources.append(
            Source(candidate.path, candidate.role, candidate.language, candidate.text)
        )
    for index, inference in infer_paths(sources).items():
        candidate = candidates[index]
        candidate.path = inference.path
        candidate.language = candidate.language or language_for(inference.path)
        warnings.append(
            f"markdown line {candidate.block.open_line}: a block with no file name "
            f"was placed at {inference.path} because {inference.reason}"
        )


def _assemble(candidates: list[_Candidate], project: Project) -> None:
    """Add candidates in document order; a later full block replaces an earlier one."""
    first_line: dict[str, int] = {}
    full: set[str] = set()
    for candidate in candidates:
        line = candidate.block.open_line
        path = candidate.path
        if path is None:
            project.skipped.append(_skip(candidate, _skip_reason(candidate)))
            continue
        if path in project.files:
            if candidate.fragment and path in full:
                project.warnings.append(
                    f"markdown line {line}: a partial block for {path} was ignored; "
                    f"the full file from markdown line {first_line[path]} is kept"
                )
                project.skipped.append(_skip(candidate, f"partial repeat of {path}"))
                continue
            project.warnings.append(
                f"markdown line {line}: {path} appears again (first at markdown line "
                f"{first_line[path]}); the later block replaces the earlier one"
            )
        elif candidate.fragment:
            project.warnings.append(
                f"markdown line {line}: the only block for {path} looks partial"
            )
        first_line[path] = line
        if not candidate.fragment:
            full.add(path)
        project.files[path] = SourceFile(
            path=path,
            text=candidate.text,
            origin_lines=tuple(number for number, _ in candidate.lines),
            language=candidate.language,
        )


def _is_cdk_code(candidate: _Candidate) -> bool:
    if candidate.language not in ("typescript", "javascript", "python"):
        return False
    return "aws-cdk-lib" in candidate.text or "aws_cdk" in candidate.text


def _skip_reason(candidate: _Candidate) -> str:
    role = candidate.role
    if role is Role.TREE:
        return "a directory tree, not a file"
    if role is Role.DIFF:
        return "a diff, not a file"
    if role is Role.SYNTH_OUTPUT:
        return "a CloudFormation template in a CDK response, read as synth output"
    if role is Role.SHELL:
        return "shell commands, not a file"
    if role is Role.OUTPUT:
        return "sample output or prose, not a file"
    if candidate.language == "yaml":
        return "a YAML fragment with no file name and no Resources section"
    return "no file name, and the content matches no known project file"


def _skip(candidate: _Candidate, reason: str) -> SkippedBlock:
    preview = next((text.strip() for _, text in candidate.lines if text.strip()), "")
    if len(preview) > _PREVIEW_CHARS:
        preview = preview[: _PREVIEW_CHARS - 3] + "..."
    return SkippedBlock(
        markdown_line=candidate.block.open_line, reason=reason, preview=preview
    )


def _read_unfenced(lines: list[str], project: Project) -> None:
    """Read a document with no fences as one Python file when all of it parses."""
    text = "".join(line + "\n" for line in lines)
    if text.strip() and _is_cdk_python(text):
        role = classify("python", text)
        if role.is_file:
            source = Source(None, role, "python", text)
            inference = infer_paths([source])[0]
            project.files[inference.path] = SourceFile(
                path=inference.path,
                text=text,
                origin_lines=tuple(range(1, len(lines) + 1)),
                language="python",
            )
            project.warnings.append(
                "the document has no code blocks, but all of it parses as Python, "
                f"so it was read as {inference.path} because {inference.reason}"
            )
            return
    project.warnings.append(
        "the document has no fenced code blocks, so the response has no files"
    )


def _is_cdk_python(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "aws_cdk"
        ):
            return True
        if isinstance(node, ast.Import) and any(
            alias.name.startswith("aws_cdk") for alias in node.names
        ):
            return True
    return False
