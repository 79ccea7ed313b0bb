"""Map a finding's evidence to lines of the response that a reader can check.

The chain is logical ID -> construct path -> creation site (file, line) ->
markdown line. For a wrong property the citation narrows to the line that
sets it, found inside the construct call that starts at the creation site. For
something missing it points at the construct where the thing belongs, or says
that nothing in the response corresponds. Project-file items (tests, README,
package scripts) cite the file itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from harness._project import Project, SourceFile
from harness._synth_result import SourceSite, Stack, SynthResult
from harness.findings import Evidence, Finding

logger = logging.getLogger(__name__)

CitationKind = Literal["property", "construct", "file", "absent"]

# A construct call longer than this is shown cut short in an excerpt.
MAX_EXCERPT_LINES = 14
# A call is scanned for its closing bracket over at most this many lines.
MAX_CALL_LINES = 400
# A finding cites at most this many places; the rest are counted in a note.
MAX_CITATIONS = 6

# Construct properties that set what a taxonomy item checks, keyed by item slug
# and then by CloudFormation property path (full path, last segment, or "*" for
# any evidence of that item). Names are the camelCase props of aws-cdk-lib;
# the snake_case spelling of Python CDK is derived from them.
PROPERTY_KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "availability-zones": {"*": ("maxAzs", "availabilityZones")},
    "nat-gateway-per-az": {
        "*": ("natGateways", "natGatewaySubnets", "natGatewayProvider")
    },
    "vpc-flow-logs": {"*": ("flowLogs", "trafficType", "destination")},
    "s3-gateway-endpoint": {"*": ("gatewayEndpoints", "service", "subnets")},
    "nacl-private-association": {"*": ("subnetSelection", "subnets")},
    "nacl-service-ports": {"*": ("traffic",)},
    "nacl-ephemeral-ports": {"*": ("traffic",)},
    "nacl-explicit-deny": {"*": ("ruleAction", "traffic")},
    "flow-log-retention": {
        "RetentionInDays": ("retention",),
        "*": ("retention",),
    },
    "subnet-outputs": {"*": ("value",)},
    "s3-endpoint-output": {"*": ("value",)},
    "flow-log-group-output": {"*": ("value",)},
    "output-exports": {"*": ("exportName",)},
    "lambda-reserved-concurrency": {"*": ("reservedConcurrentExecutions",)},
    "package-scripts": {"*": ("scripts",)},
}

# Resource types where a missing element of an item belongs, in order of
# preference; "Outputs" stands for the template's existing outputs.
HOST_TYPES: dict[str, tuple[str, ...]] = {
    "availability-zones": ("AWS::EC2::VPC",),
    "nat-gateway-per-az": ("AWS::EC2::VPC",),
    "vpc-flow-logs": ("AWS::EC2::VPC",),
    "s3-gateway-endpoint": ("AWS::EC2::VPC",),
    "nacl-private-association": ("AWS::EC2::NetworkAcl", "AWS::EC2::VPC"),
    "required-tags": ("AWS::EC2::VPC",),
    "nacl-service-ports": ("AWS::EC2::NetworkAcl",),
    "nacl-ephemeral-ports": ("AWS::EC2::NetworkAcl",),
    "nacl-explicit-deny": ("AWS::EC2::NetworkAcl",),
    "flow-log-retention": ("AWS::Logs::LogGroup", "AWS::EC2::FlowLog"),
    "subnet-outputs": ("Outputs",),
    "s3-endpoint-output": ("Outputs",),
    "flow-log-group-output": ("Outputs",),
    "output-exports": ("Outputs",),
    "lambda-reserved-concurrency": ("AWS::Lambda::Function",),
}

_FENCE_LANGUAGES = {
    ".ts": "ts",
    ".tsx": "tsx",
    ".mts": "ts",
    ".js": "js",
    ".mjs": "js",
    ".cjs": "js",
    ".py": "python",
    ".json": "json",
    ".md": "markdown",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".cfg": "ini",
    ".ini": "ini",
    ".sh": "bash",
    ".txt": "text",
}


@dataclass(frozen=True)
class CitedLine:
    """One line of a response file: its 1-based number, markdown line and text."""

    line: int
    markdown_line: int | None
    text: str

    def to_dict(self) -> dict:
        return {"line": self.line, "markdown_line": self.markdown_line, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict) -> CitedLine:
        return cls(data["line"], data.get("markdown_line"), data["text"])


@dataclass(frozen=True)
class Citation:
    """An excerpt of the response that a finding points at.

    `kind` is "property" (lines setting a property), "construct" (the call that
    creates a resource), "file" (lines of a project file) or "absent" (nothing
    in the response corresponds; `file` is None and `lines` is empty).
    """

    kind: CitationKind
    file: str | None = None
    language: str | None = None
    lines: tuple[CitedLine, ...] = ()
    note: str = ""
    logical_ids: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def first_line(self) -> int | None:
        return self.lines[0].line if self.lines else None

    @property
    def last_line(self) -> int | None:
        return self.lines[-1].line if self.lines else None

    @property
    def markdown_lines(self) -> list[int]:
        return [c.markdown_line for c in self.lines if c.markdown_line is not None]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file,
            "language": self.language,
            "lines": [line.to_dict() for line in self.lines],
            "note": self.note,
            "logical_ids": list(self.logical_ids),
            "truncated": self.truncated,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Citation:
        return cls(
            kind=data["kind"],
            file=data.get("file"),
            language=data.get("language"),
            lines=tuple(CitedLine.from_dict(c) for c in data.get("lines", [])),
            note=data.get("note", ""),
            logical_ids=tuple(data.get("logical_ids", [])),
            truncated=bool(data.get("truncated", False)),
        )


@dataclass
class _Resolver:
    """Looks up creation sites across the stacks of one synthesis."""

    project: Project
    stacks: list[Stack]
    seen: set[tuple[str, tuple[int, ...]]] = field(default_factory=set)

    def stacks_for(self, name: str | None) -> list[Stack]:
        named = [s for s in self.stacks if name is not None and s.name == name]
        return named or self.stacks

    def site_of(self, logical_id: str, stack_name: str | None, path: str | None):
        """Return the creation site of `logical_id`, or of its nearest ancestor."""
        for stack in self.stacks_for(stack_name):
            site = stack.sites.get(logical_id)
            if site is not None and site.file in self.project.files:
                return site
            construct_path = path or stack.construct_paths.get(logical_id)
            if construct_path:
                site = _ancestor_site(stack, construct_path, self.project)
                if site is not None:
                    return site
        return None


def fence_language(path: str, source: SourceFile | None = None) -> str:
    """Return the fenced-block language for a response file, from its extension."""
    name = PurePosixPath(path).name
    if name == "Makefile" or name.endswith(".mk"):
        return "makefile"
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _FENCE_LANGUAGES:
        return _FENCE_LANGUAGES[suffix]
    if source is not None and source.language:
        return source.language
    return "text"


def snake_case(name: str) -> str:
    """Return the snake_case spelling of a camelCase property name."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def property_keywords(slug: str, property_path: str | None) -> tuple[str, ...]:
    """Return the construct props that set `property_path` for the item `slug`.

    Without an entry in PROPERTY_KEYWORDS, the last segment of a CloudFormation
    property path is used with its first letter lowered (`RetentionInDays` ->
    `retentionInDays`), which is how aws-cdk-lib names most L1 props.
    """
    table = PROPERTY_KEYWORDS.get(slug, {})
    last = property_path.split(".")[-1] if property_path else None
    for key in (property_path, last):
        if key and key in table:
            return table[key]
    if "*" in table:
        return table["*"]
    if last and last[:1].isupper():
        return (last[0].lower() + last[1:],)
    return ()


def construct_span(lines: list[str], start: int, language: str) -> tuple[int, int]:
    """Return the 1-based (first, last) lines of the call that starts on `start`.

    The scan balances (), [] and {} and skips strings and comments. When the
    site line sits inside a call (more closers than openers), the span starts
    at the line that opens that call. An unbalanced call ends after
    MAX_CALL_LINES lines or at the end of the file.
    """
    end = _balanced_end(lines, start, language)
    if end is not None:
        return start, end
    for first in range(start - 1, max(0, start - 40), -1):
        end = _balanced_end(lines, first, language)
        if end is not None and end >= start:
            return first, end
    return start, min(len(lines), start + MAX_CALL_LINES - 1)


def _balanced_end(lines: list[str], start: int, language: str) -> int | None:
    """Return the line where the brackets opened from `start` close, or None.

    None means the scan met a closing bracket first, or never closed.
    """
    scanner = _BracketScanner(python=language == "python")
    last = min(len(lines), start + MAX_CALL_LINES - 1)
    for number in range(start, last + 1):
        state = scanner.feed(lines[number - 1])
        if state == "underflow":
            return None
        if state == "closed":
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
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w$.])[\"']?(?:{alternatives})[\"']?\s*(?::|=(?!=))")
    first, last = span
    return [n for n in range(first, last + 1) if pattern.search(lines[n - 1])]


def cite_lines(
    project: Project,
    path: str,
    numbers: Iterable[int],
    *,
    kind: CitationKind,
    note: str = "",
    logical_ids: tuple[str, ...] = (),
    truncated: bool = False,
) -> Citation:
    """Build a citation of the given 1-based lines of a project file."""
    source = project.files[path]
    text_lines = source.text.splitlines()
    cited = tuple(
        CitedLine(n, source.markdown_line(n), text_lines[n - 1])
        for n in sorted(set(numbers))
        if 1 <= n <= len(text_lines)
    )
    return Citation(
        kind=kind,
        file=path,
        language=fence_language(path, source),
        lines=cited,
        note=note,
        logical_ids=logical_ids,
        truncated=truncated,
    )


def cite_site(
    project: Project,
    site: SourceSite,
    keywords: tuple[str, ...] = (),
    logical_ids: tuple[str, ...] = (),
) -> Citation:
    """Cite the lines of the call at `site` that set `keywords`, else the call."""
    source = project.files[site.file]
    lines = source.text.splitlines()
    language = fence_language(site.file, source)
    span = construct_span(lines, site.line, language)
    matched = find_property_lines(lines, span, keywords)
    if matched:
        names = ", ".join(keywords)
        return cite_lines(
            project,
            site.file,
            matched,
            kind="property",
            note=f"sets {names}" if len(keywords) == 1 else f"sets one of {names}",
            logical_ids=logical_ids,
        )
    first, last = span
    shown_last = min(last, first + MAX_EXCERPT_LINES - 1)
    note = "creates the construct"
    if keywords:
        note += f"; it does not set {', '.join(keywords)}, so the CDK default applies"
    return cite_lines(
        project,
        site.file,
        range(first, shown_last + 1),
        kind="construct",
        note=note,
        logical_ids=logical_ids,
        truncated=shown_last < last,
    )


def cite_finding(
    finding: Finding,
    project: Project | None,
    synth: SynthResult | None,
    slug: str | None = None,
) -> list[Citation]:
    """Return the response lines behind `finding`, at most MAX_CITATIONS of them.

    `slug` selects the item's rows of PROPERTY_KEYWORDS, HOST_TYPES and the
    project-file selectors; it defaults to the finding's item id. The list is
    never empty: without a place to cite, it holds one "absent" citation.
    """
    key = slug or finding.item
    if project is None:
        return [_absent("the evaluation carries no project files to cite")]
    resolver = _Resolver(project, list(synth.stacks) if synth else [])
    citations: list[Citation] = []
    for evidence in finding.evidence:
        citation = _cite_evidence(resolver, evidence, key)
        if citation is not None:
            _append_unique(citations, citation)
    if not citations:
        citations = _cite_host(resolver, key) or _cite_project_file(project, key)
    if not citations:
        return [_absent(_absent_note(finding))]
    return _limit(citations)


def _cite_evidence(resolver: _Resolver, evidence: Evidence, key: str) -> Citation | None:
    if evidence.file and evidence.file in resolver.project.files:
        return _cite_file_evidence(resolver.project, evidence, key)
    if evidence.logical_id is None:
        return None
    site = resolver.site_of(evidence.logical_id, evidence.stack, evidence.construct_path)
    if site is None:
        logger.debug("no creation site for %s in %s", evidence.logical_id, evidence.stack)
        return None
    keywords = property_keywords(key, evidence.property_path)
    return cite_site(resolver.project, site, keywords, (evidence.logical_id,))


def _cite_file_evidence(project: Project, evidence: Evidence, key: str) -> Citation:
    assert evidence.file is not None
    source = project.files[evidence.file]
    lines = source.text.splitlines()
    if evidence.line and 1 <= evidence.line <= len(lines):
        language = fence_language(evidence.file, source)
        span = construct_span(lines, evidence.line, language)
        last = min(span[1], span[0] + MAX_EXCERPT_LINES - 1)
        return cite_lines(
            project,
            evidence.file,
            range(evidence.line, max(evidence.line, last) + 1),
            kind="file",
            note=evidence.note,
            truncated=last < span[1],
        )
    return _select_file_lines(project, evidence.file, key, evidence.note)


def _select_file_lines(project: Project, path: str, key: str, note: str) -> Citation:
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
    return [n for n, line in enumerate(lines, start=1) if re.match(r"^[\w.-]+\s*:", line)]


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
    "package-scripts": lambda path: PurePosixPath(path).name
    in ("package.json", "Makefile", "justfile", "tasks.py", "noxfile.py"),
}


def _cite_project_file(project: Project, key: str) -> list[Citation]:
    matches = _FILE_CANDIDATES.get(key)
    if matches is None:
        return []
    paths = sorted(path for path in project.files if matches(path))
    return [_select_file_lines(project, path, key, "") for path in paths]


def _cite_host(resolver: _Resolver, key: str) -> list[Citation]:
    """Cite the construct where the missing element of item `key` belongs."""
    for host_type in HOST_TYPES.get(key, ()):
        citations: list[Citation] = []
        for stack in resolver.stacks:
            for logical_id in _host_ids(stack, host_type):
                site = resolver.site_of(logical_id, stack.name, None)
                if site is None:
                    continue
                keywords = property_keywords(key, None)
                citation = cite_site(resolver.project, site, keywords, (logical_id,))
                note = f"where it belongs: {citation.note}"
                _append_unique(citations, _with_note(citation, note))
        if citations:
            return citations
    return []


def _host_ids(stack: Stack, host_type: str) -> list[str]:
    if host_type == "Outputs":
        return sorted(stack.template.get("Outputs", {}))
    resources = stack.template.get("Resources", {})
    return sorted(
        logical_id
        for logical_id, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == host_type
    )


def _ancestor_site(stack: Stack, path: str, project: Project) -> SourceSite | None:
    """Return the site of the construct nearest above `path` that has one."""
    by_path: dict[str, str] = {}
    for logical_id, construct_path in stack.construct_paths.items():
        by_path.setdefault(construct_path, logical_id)
        if construct_path.endswith("/Resource"):
            by_path.setdefault(construct_path[: -len("/Resource")], logical_id)
    parts = path.split("/")
    for length in range(len(parts), 1, -1):
        logical_id = by_path.get("/".join(parts[:length]))
        site = stack.sites.get(logical_id) if logical_id else None
        if site is not None and site.file in project.files:
            return site
    return None


def _append_unique(citations: list[Citation], citation: Citation) -> None:
    key = (citation.file or "", tuple(c.line for c in citation.lines))
    for index, existing in enumerate(citations):
        if (existing.file or "", tuple(c.line for c in existing.lines)) == key:
            merged = tuple(dict.fromkeys(existing.logical_ids + citation.logical_ids))
            citations[index] = _replace_ids(existing, merged)
            return
    citations.append(citation)


def _replace_ids(citation: Citation, logical_ids: tuple[str, ...]) -> Citation:
    return Citation(
        kind=citation.kind,
        file=citation.file,
        language=citation.language,
        lines=citation.lines,
        note=citation.note,
        logical_ids=logical_ids,
        truncated=citation.truncated,
    )


def _with_note(citation: Citation, note: str) -> Citation:
    return Citation(
        kind=citation.kind,
        file=citation.file,
        language=citation.language,
        lines=citation.lines,
        note=note,
        logical_ids=citation.logical_ids,
        truncated=citation.truncated,
    )


def _limit(citations: list[Citation]) -> list[Citation]:
    if len(citations) <= MAX_CITATIONS:
        return citations
    kept = citations[:MAX_CITATIONS]
    extra = len(citations) - MAX_CITATIONS
    last = kept[-1]
    kept[-1] = _with_note(last, f"{last.note}; {extra} more places not shown".lstrip("; "))
    return kept


def _absent(note: str) -> Citation:
    return Citation(kind="absent", note=note)


def _absent_note(finding: Finding) -> str:
    if finding.actual:
        return f"nothing in the response corresponds ({finding.actual})"
    return "nothing in the response corresponds"


def citation_problems(project: Project, citation: Citation) -> list[str]:
    """Return every way `citation` disagrees with the project's text (empty if none).

    Each cited line must exist in its file with the same text; its markdown
    line must be the one ingest recorded, and that markdown line must end with
    the same text (a block may be indented in the document).
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
        problems.extend(_line_problems(citation.file, cited, source, file_lines, markdown_lines))
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
        problems.append(f"{where} reads {file_lines[cited.line - 1]!r}, not {cited.text!r}")
    if cited.markdown_line != source.markdown_line(cited.line):
        problems.append(
            f"{where} came from markdown line {source.markdown_line(cited.line)}, "
            f"not {cited.markdown_line}"
        )
    if cited.markdown_line is not None:
        problems.extend(_markdown_problems(where, cited, markdown_lines))
    return problems


def _markdown_problems(where: str, cited: CitedLine, markdown_lines: list[str]) -> list[str]:
    assert cited.markdown_line is not None
    if not 1 <= cited.markdown_line <= len(markdown_lines):
        return [f"{where}: markdown line {cited.markdown_line} does not exist"]
    document_line = markdown_lines[cited.markdown_line - 1]
    if document_line.rstrip().endswith(cited.text.strip()):
        return []
    return [
        f"{where}: markdown line {cited.markdown_line} reads {document_line!r}, "
        f"not {cited.text!r}"
    ]


def verify_citation(project: Project, citation: Citation) -> bool:
    """Return True when every line number of `citation` matches the project text."""
    return not citation_problems(project, citation)
