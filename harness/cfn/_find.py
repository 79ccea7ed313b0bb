"""Find the CloudFormation template among a response's files and choose one.

A response often contains a full template followed by fix-up snippets. Every
file that parses as a template or a template fragment becomes a candidate.
The complete template with the most resources is chosen, and every other
candidate is rejected with a reason.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from harness._project import Project, SourceFile
from harness.cfn._loader import ParsedText, TemplateSyntaxError, parse_text

logger = logging.getLogger(__name__)

CandidateKind = Literal["template", "fragment", "invalid"]

SECTIONS = frozenset(
    {
        "AWSTemplateFormatVersion",
        "Conditions",
        "Description",
        "Mappings",
        "Metadata",
        "Outputs",
        "Parameters",
        "Resources",
        "Rules",
        "Transform",
    }
)

_TEMPLATE_SUFFIXES = {"", ".yaml", ".yml", ".json", ".template", ".cfn", ".txt"}
_TEMPLATE_LANGUAGES = {"yaml", "yml", "json", "cloudformation", "cfn", "text"}
# Text that marks a file or a markdown line as CloudFormation template content.
_TEMPLATE_MARKER = re.compile(
    r"AWSTemplateFormatVersion|^\s*[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Custom)::",
    re.MULTILINE,
)
_SECTION_KEY = re.compile(
    r"^\s*[\"']?(Resources|Outputs|Mappings|Parameters|Conditions)[\"']?\s*:",
    re.MULTILINE,
)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")


@dataclass(frozen=True)
class TemplateCandidate:
    """A project file that is a CloudFormation template, a fragment of one, or
    template-like text that does not parse."""

    file: str
    kind: CandidateKind
    format: str | None
    resource_types: dict[str, int] = field(default_factory=dict)
    has_version: bool = False
    has_parameters: bool = False
    markdown_line: int | None = None
    error_line: int | None = None
    error_message: str = ""
    reason: str = ""

    @property
    def resource_count(self) -> int:
        return sum(self.resource_types.values())

    @property
    def complete(self) -> bool:
        """True for a template with resources and a format version or parameters."""
        has_header = self.has_version or self.has_parameters
        return self.kind == "template" and self.resource_count > 0 and has_header

    def to_dict(self) -> dict:
        data = {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "resource_count": self.resource_count,
            "resource_types": dict(sorted(self.resource_types.items())),
            "has_version": self.has_version,
            "has_parameters": self.has_parameters,
            "markdown_line": self.markdown_line,
            "error_line": self.error_line,
            "error_message": self.error_message,
            "reason": self.reason,
        }
        return {key: value for key, value in data.items() if value not in (None, "")}


@dataclass
class TemplateChoice:
    """The chosen template of a response, the rejected candidates and why.

    `parsed` is the chosen template's data; `warnings` lists template text
    found outside any fenced block of the markdown, which is ignored.
    """

    chosen: TemplateCandidate | None
    rejected: list[TemplateCandidate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parsed: ParsedText | None = None

    def to_dict(self) -> dict:
        return {
            "chosen": self.chosen.to_dict() if self.chosen else None,
            "rejected": [candidate.to_dict() for candidate in self.rejected],
            "warnings": list(self.warnings),
        }


def find_templates(project: Project) -> TemplateChoice:
    """Classify the project's files as templates or fragments and choose one.

    Files are read in markdown order. Among templates, a complete one wins,
    then the one with more resources, then the longer text, then the earlier file.
    """
    found: list[tuple[TemplateCandidate, ParsedText | None]] = []
    for source in sorted(project.files.values(), key=_document_order):
        classified = _classify(source)
        if classified is not None:
            found.append(classified)
    warnings = loose_template_warnings(project.markdown)
    templates = [item for item in found if item[0].kind == "template"]
    if not templates:
        rejected = [_with_reason(candidate) for candidate, _ in found]
        return TemplateChoice(None, rejected, warnings)
    best, parsed = max(
        templates,
        key=lambda item: (
            item[0].complete,
            item[0].resource_count,
            len(project.files[item[0].file].text),
        ),
    )
    broken_whole = _broken_whole_template(found)
    if not best.complete and broken_whole is not None:
        # The response's whole template does not parse, and a partial
        # snippet must not be evaluated in its place.
        rejected = [_with_reason(candidate) for candidate, _ in found]
        return TemplateChoice(None, rejected, warnings)
    rejected = [
        _with_reason(candidate, best) for candidate, _ in found if candidate is not best
    ]
    for other in rejected:
        logger.info("rejected template candidate %s: %s", other.file, other.reason)
    return TemplateChoice(best, rejected, warnings, parsed)


def _broken_whole_template(
    found: list[tuple[TemplateCandidate, ParsedText | None]],
) -> TemplateCandidate | None:
    for candidate, _ in found:
        if candidate.kind == "invalid" and candidate.has_version:
            return candidate
    return None


def _document_order(source: SourceFile) -> tuple[int, str]:
    first = next((line for line in source.origin_lines if line is not None), None)
    return (first if first is not None else 0, source.path)


def _classify(
    source: SourceFile,
) -> tuple[TemplateCandidate, ParsedText | None] | None:
    if not _may_be_template(source):
        return None
    markdown_line = next((line for line in source.origin_lines if line), None)
    try:
        parsed = parse_text(source.text, _format_hint(source))
    except TemplateSyntaxError as exc:
        if not _TEMPLATE_MARKER.search(source.text):
            return None
        invalid = TemplateCandidate(
            file=source.path,
            kind="invalid",
            format=_format_hint(source) or _guess_format(source.text),
            has_version="AWSTemplateFormatVersion" in source.text,
            markdown_line=markdown_line,
            error_line=exc.line,
            error_message=str(exc),
        )
        return invalid, None
    kind = _kind_of(parsed.data)
    if kind is None:
        return None
    data = parsed.data
    candidate = TemplateCandidate(
        file=source.path,
        kind=kind,
        format=parsed.format,
        resource_types=_resource_types(data, kind),
        has_version="AWSTemplateFormatVersion" in data,
        has_parameters=isinstance(data.get("Parameters"), dict),
        markdown_line=markdown_line,
    )
    return candidate, parsed


def _may_be_template(source: SourceFile) -> bool:
    suffix = PurePosixPath(source.path).suffix.lower()
    language = (source.language or "").lower()
    if suffix not in _TEMPLATE_SUFFIXES and language not in _TEMPLATE_LANGUAGES:
        return False
    text = source.text
    if "AWS::" in text or "AWSTemplateFormatVersion" in text:
        return True
    return bool(_SECTION_KEY.search(text))


def _format_hint(source: SourceFile) -> str | None:
    suffix = PurePosixPath(source.path).suffix.lower()
    language = (source.language or "").lower()
    if suffix == ".json" or language == "json":
        return "json"
    if suffix in (".yaml", ".yml") or language in ("yaml", "yml"):
        return "yaml"
    return None


def _guess_format(text: str) -> str:
    return "json" if text.lstrip().startswith("{") else "yaml"


def _kind_of(data: Any) -> CandidateKind | None:
    """Return "template" for a whole template, "fragment" for a snippet of one."""
    if not isinstance(data, dict) or not data:
        return None
    resources = data.get("Resources")
    if "AWSTemplateFormatVersion" in data or _has_typed_entries(resources):
        return "template"
    if _has_typed_entries(data):
        return "fragment"
    if all(isinstance(key, str) and key in SECTIONS for key in data):
        return "fragment"
    return None


def _has_typed_entries(mapping: Any) -> bool:
    if not isinstance(mapping, dict):
        return False
    return any(_resource_type(entry) is not None for entry in mapping.values())


def _resource_type(entry: Any) -> str | None:
    kind = entry.get("Type") if isinstance(entry, dict) else None
    if isinstance(kind, str) and kind.startswith(("AWS::", "Custom::", "Alexa::")):
        return kind
    return None


def _resource_types(data: dict, kind: CandidateKind) -> dict[str, int]:
    mapping = data.get("Resources") if kind == "template" else data
    if not isinstance(mapping, dict):
        return {}
    types = (_resource_type(entry) for entry in mapping.values())
    return dict(Counter(kind for kind in types if kind is not None))


def _with_reason(
    candidate: TemplateCandidate, chosen: TemplateCandidate | None = None
) -> TemplateCandidate:
    reason = _reason(candidate, chosen)
    return TemplateCandidate(**{**vars(candidate), "reason": reason})


def _reason(candidate: TemplateCandidate, chosen: TemplateCandidate | None) -> str:
    if candidate.kind == "invalid":
        return (
            f"invalid {(candidate.format or 'template').upper()} text at line "
            f"{candidate.error_line}: {candidate.error_message}"
        )
    if candidate.kind == "fragment":
        if candidate.resource_count:
            return (
                f"snippet of {candidate.resource_count} resource(s) "
                "without a Resources section"
            )
        return "snippet of template sections without any resource"
    if chosen is None:
        return "not chosen: a whole template in the response does not parse"
    if chosen.complete and not candidate.complete:
        return (
            "incomplete template (no resources, or neither "
            "AWSTemplateFormatVersion nor Parameters)"
        )
    return (
        f"{candidate.resource_count} resource(s), fewer than or as many as "
        f"the {chosen.resource_count} of {chosen.file}"
    )


def loose_template_warnings(markdown: str | None) -> list[str]:
    """Warn about template text that sits outside every fenced block.

    NOTE: fences are matched by character and length only, so a README block
    that nests a same-length fence ends early. That shifts what counts as
    outside a fence.
    """
    if not markdown:
        return []
    warnings = []
    for first, last, count in _loose_spans(markdown.splitlines()):
        warnings.append(
            f"markdown lines {first}-{last} contain CloudFormation template text "
            f"outside any fenced block ({count} template line(s) such as "
            "'Type: AWS::...'); it is ignored"
        )
    return warnings


def _loose_spans(lines: list[str]) -> list[tuple[int, int, int]]:
    """Return (first, last, count) of marker lines per stretch between fences."""
    spans: list[tuple[int, int, int]] = []
    fence: str | None = None
    current: list[int] = []
    for number, line in enumerate(lines, start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            if current:
                spans.append((current[0], current[-1], len(current)))
            current = []
        elif fence is not None:
            if match and _closes(match, fence):
                fence = None
        elif _TEMPLATE_MARKER.search(line):
            current.append(number)
    if current:
        spans.append((current[0], current[-1], len(current)))
    return spans


def _closes(match: re.Match[str], fence: str) -> bool:
    marker, info = match.group(1), match.group(2).strip()
    return marker[0] == fence[0] and len(marker) >= len(fence) and not info


_CDK_MARKERS = ("aws-cdk-lib", "aws_cdk", "@aws-cdk/")


def is_template_response(project: Project) -> bool:
    """Return True when the response is a CloudFormation template, not a CDK app.

    That is: some file is template-like text (a whole template, or template
    text that fails to parse) and no file is a CDK app (`cdk.json`, or a
    TypeScript or Python file that imports the CDK library).
    """
    for source in project.files.values():
        if PurePosixPath(source.path).name == "cdk.json":
            return False
        suffix = PurePosixPath(source.path).suffix
        if suffix in (".ts", ".js", ".py") and any(
            marker in source.text for marker in _CDK_MARKERS
        ):
            return False
    choice = find_templates(project)
    if choice.chosen is not None:
        return True
    return any(candidate.kind == "invalid" for candidate in choice.rejected)
