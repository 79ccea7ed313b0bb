"""Map a finding's evidence to lines of the response that a reader can check.

The chain is logical ID -> construct path -> creation site (file, line) ->
markdown line. For a wrong property the citation narrows to the line that
sets it, found inside the construct call that starts at the creation site. For
something missing it points at the construct where the thing belongs, or
states that nothing in the response corresponds. Project-file items (tests,
README, package scripts) cite the file itself.

The tables below are keyed by item slug rather than item id, because a slug
names what the item checks while an id is only its number within a task.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from harness._project import Project
from harness._synth_result import SourceSite, Stack, SynthResult
from harness.findings import Evidence, Finding
from harness.sourcemap._citation import (
    MAX_EXCERPT_LINES,
    Citation,
    CitationKind,
    CitedLine,
    cite_lines,
    fence_language,
)
from harness.sourcemap._files import cite_file, cite_project_file
from harness.sourcemap._outputs import (
    OUTPUT_KEYWORDS,
    OUTPUT_TARGET_TYPES,
    item_outputs,
)
from harness.sourcemap._scan import (
    MAX_CALL_LINES,
    balanced_end,
    construct_span,
    find_property_lines,
    snake_case,
)
from harness.sourcemap._verify import citation_problems, verify_citation

__all__ = [
    "HOST_TYPES",
    "MAX_CALL_LINES",
    "MAX_CITATIONS",
    "MAX_EXCERPT_LINES",
    "OUTPUT_KEYWORDS",
    "OUTPUT_TARGET_TYPES",
    "PROPERTY_KEYWORDS",
    "TEMPLATE_KEYWORDS",
    "Citation",
    "CitationKind",
    "CitedLine",
    "citation_problems",
    "cite_finding",
    "cite_lines",
    "cite_site",
    "construct_span",
    "fence_language",
    "find_property_lines",
    "property_keywords",
    "snake_case",
    "template_keywords",
    "verify_citation",
]

logger = logging.getLogger(__name__)

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
    "nacl-service-ports": {"*": ("traffic", "direction")},
    "nacl-ephemeral-ports": {"*": ("traffic", "direction")},
    "nacl-explicit-deny": {"*": ("traffic", "direction", "ruleAction")},
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

# Languages of files that are CloudFormation templates when a site points there.
TEMPLATE_LANGUAGES = ("yaml", "json")

# CloudFormation property names that set what an item checks, for responses
# that are templates (YAML or JSON) rather than CDK apps. The output items have
# no entry because `Value` would also match every tag's value.
TEMPLATE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "availability-zones": ("AvailabilityZone",),
    "nat-gateway-per-az": ("SubnetId", "NatGatewayId"),
    "vpc-flow-logs": ("TrafficType", "LogDestinationType", "LogGroupName"),
    "s3-gateway-endpoint": ("ServiceName", "VpcEndpointType", "RouteTableIds"),
    "nacl-private-association": ("NetworkAclId", "SubnetId"),
    "required-tags": ("Tags",),
    "nacl-service-ports": ("Protocol", "PortRange", "Egress"),
    "nacl-ephemeral-ports": ("Protocol", "PortRange", "Egress"),
    "nacl-explicit-deny": ("RuleAction", "RuleNumber", "Egress"),
    "flow-log-retention": ("RetentionInDays",),
    "output-exports": ("Export",),
    "lambda-reserved-concurrency": ("ReservedConcurrentExecutions",),
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


_OUTPUTS_PREFIX = "Outputs."
_ACL_ENTRY = re.compile(r"\.add_?[eE]ntry\s*\(|\bNetworkAclEntry\s*\(")
_OUTPUT = re.compile(r"\bCfnOutput\s*\(")

# Statements that configure an item outside the construct call that creates
# the resource, such as `Tags.of(vpc).add(...)`, each with the note its
# citation carries. When a finding has no line that sets a property, these
# statements are cited in place of whole construct calls. Each pattern accepts
# the TypeScript and Python spellings.
STATEMENT_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "required-tags": (re.compile(r"\bTags\.of\s*\("), "the tags the response adds"),
    "nacl-private-association": (
        re.compile(
            r"\bSubnetNetworkAclAssociation\s*\(|\.associate_?[wW]ith_?[sS]ubnet\s*\("
        ),
        "the network ACL associations the response creates",
    ),
    "vpc-flow-logs": (
        re.compile(r"\.add_?[fF]low_?[lL]og\s*\(|\bFlowLog\s*\("),
        "the flow log the response creates",
    ),
    "s3-gateway-endpoint": (
        re.compile(r"\.add_?[gG]ateway_?[eE]ndpoint\s*\(|\bGatewayVpcEndpoint\s*\("),
        "the gateway endpoint the response creates",
    ),
    "nacl-service-ports": (_ACL_ENTRY, "the network ACL entries the response defines"),
    "nacl-ephemeral-ports": (
        _ACL_ENTRY,
        "the network ACL entries the response defines",
    ),
    "nacl-explicit-deny": (_ACL_ENTRY, "the network ACL entries the response defines"),
    "subnet-outputs": (_OUTPUT, "the outputs the response defines"),
    "s3-endpoint-output": (_OUTPUT, "the outputs the response defines"),
    "flow-log-group-output": (_OUTPUT, "the outputs the response defines"),
}


@dataclass
class _Resolver:
    """Looks up creation sites across the stacks of one synthesis."""

    project: Project
    stacks: list[Stack]
    template: bool = False

    def keywords(self, key: str, property_path: str | None) -> tuple[str, ...]:
        """Return the keywords of item `key`: template property names or CDK props."""
        if self.template:
            return template_keywords(key, property_path)
        return property_keywords(key, property_path)

    def site_files(self) -> list[str]:
        """Return the project files where the response created constructs."""
        files = {
            site.file
            for stack in self.stacks
            for site in stack.sites.values()
            if site.file in self.project.files
        }
        return sorted(files)

    def stacks_for(self, name: str | None) -> list[Stack]:
        named = [s for s in self.stacks if name is not None and s.name == name]
        return named or self.stacks

    def output_site(self, name: str, stack_name: str | None) -> SourceSite | None:
        """Return the template line of output `name`, known for template responses."""
        for stack in self.stacks_for(stack_name):
            site = stack.output_sites.get(name)
            if site is not None and site.file in self.project.files:
                return site
        return None

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


def template_keywords(slug: str, property_path: str | None) -> tuple[str, ...]:
    """Return the template property names that set `property_path` for item `slug`.

    The property named by the path comes first, then the item's TEMPLATE_KEYWORDS.
    """
    names: list[str] = []
    last = property_path.split(".")[-1] if property_path else None
    if last and last[:1].isupper():
        names.append(last)
    names.extend(TEMPLATE_KEYWORDS.get(slug, ()))
    return tuple(dict.fromkeys(names))


def cite_site(
    project: Project,
    site: SourceSite,
    keywords: tuple[str, ...] = (),
    logical_ids: tuple[str, ...] = (),
    element: str = "resource",
) -> Citation:
    """Cite the lines of the call at `site` that set `keywords`, else the call.

    A matched property is cited with its whole value when the value spans
    several lines (`flowLogs: { ... }`), up to the end of the call. `element`
    names what a template site defines ("resource" or "output") in the note.

    NOTE: a construct created inside a helper function is cited at the call in
    the helper, where values may be parameters (`value=value`). The helper's
    callers are not recorded in a creation site.
    """
    source = project.files[site.file]
    lines = source.text.splitlines()
    language = fence_language(site.file, source)
    span = construct_span(lines, site.line, language)
    matched = find_property_lines(lines, span, keywords)
    if matched:
        return cite_lines(
            project,
            site.file,
            _with_values(lines, matched, span, language),
            kind="property",
            note="sets " + ", ".join(_matched_names(lines, matched, keywords)),
            logical_ids=logical_ids,
        )
    first, last = span
    shown_last = min(last, first + MAX_EXCERPT_LINES - 1)
    template = language in TEMPLATE_LANGUAGES
    note = f"defines the {element}" if template else "creates the construct"
    if keywords:
        where = f"of the {element}" if template else "of the call"
        note += f", and no line {where} sets {', '.join(keywords)}"
    return cite_lines(
        project,
        site.file,
        range(first, shown_last + 1),
        kind="construct",
        note=note,
        logical_ids=logical_ids,
        truncated=shown_last < last,
    )


def _with_values(
    lines: list[str], matched: list[int], span: tuple[int, int], language: str
) -> list[int]:
    numbers: set[int] = set()
    for number in matched:
        end = balanced_end(lines, number, language, single_line_ok=True) or number
        end = min(end, span[1], number + MAX_EXCERPT_LINES - 1)
        numbers.update(range(number, end + 1))
    return sorted(numbers)


def _matched_names(
    lines: list[str], matched: list[int], keywords: Iterable[str]
) -> list[str]:
    names = []
    for keyword in keywords:
        spellings = {keyword, snake_case(keyword)}
        for spelling in sorted(spellings):
            if any(
                find_property_lines([lines[n - 1]], (1, 1), (spelling,))
                for n in matched
            ):
                names.append(spelling)
                break
    return names


def cite_finding(
    finding: Finding,
    project: Project | None,
    synth: SynthResult | None,
    slug: str | None = None,
) -> list[Citation]:
    """Return the response lines behind `finding`, at most MAX_CITATIONS of them.

    `slug` selects the item's rows of PROPERTY_KEYWORDS, HOST_TYPES and the
    project-file selectors; it defaults to the finding's item id. The list is
    never empty: without a place to cite, it contains one "absent" citation.
    """
    key = slug or finding.item
    if project is None:
        return [_absent("the evaluation carries no project files to cite")]
    template = synth is not None and synth.language == "cloudformation"
    resolver = _Resolver(project, list(synth.stacks) if synth else [], template)
    citations: list[Citation] = []
    for evidence in finding.evidence:
        citation = _cite_evidence(resolver, evidence, key)
        if citation is not None:
            _append_unique(citations, citation)
    if not any(c.kind == "property" for c in citations):
        citations = _cite_statements(resolver, key) or citations
    if not citations:
        citations = _cite_host(resolver, key) or cite_project_file(project, key)
    if not citations:
        return [_absent(_absent_note(finding))]
    return _limit(citations)


def _cite_evidence(
    resolver: _Resolver, evidence: Evidence, key: str
) -> Citation | None:
    """Cite template evidence at its creation site, or project-file evidence.

    Template evidence may also carry the creation site in `file` and `line`;
    the site recorded in the synthesis is preferred when both exist.
    """
    files = resolver.project.files
    output = _cite_output_evidence(resolver, evidence, key)
    if output is not None:
        return output
    if evidence.logical_id is not None:
        site = resolver.site_of(
            evidence.logical_id, evidence.stack, evidence.construct_path
        )
        if site is None and evidence.file in files and evidence.line:
            site = SourceSite(evidence.file, evidence.line)
        if site is not None:
            keywords = resolver.keywords(key, evidence.property_path)
            return cite_site(resolver.project, site, keywords, (evidence.logical_id,))
        logger.debug(
            "no creation site for %s in %s", evidence.logical_id, evidence.stack
        )
    if evidence.file and evidence.file in files:
        return cite_file(
            resolver.project, evidence.file, evidence.line, key, evidence.note
        )
    return None


def _cite_output_evidence(
    resolver: _Resolver, evidence: Evidence, key: str
) -> Citation | None:
    """Cite evidence about a template output (property path `Outputs.<name>...`)
    at the output's line, or return None when the output has no recorded line."""
    path = evidence.property_path or ""
    if not path.startswith(_OUTPUTS_PREFIX):
        return None
    name, _, below = path[len(_OUTPUTS_PREFIX) :].partition(".")
    site = resolver.output_site(name, evidence.stack)
    if site is None:
        return None
    keywords = template_keywords(key, below or None) or OUTPUT_KEYWORDS.get(key, ())
    return cite_site(resolver.project, site, keywords, (name,), element="output")


def _cite_outputs(resolver: _Resolver, stack: Stack, key: str) -> list[Citation]:
    """Cite the outputs of a template response that item `key` is about."""
    citations: list[Citation] = []
    keywords = OUTPUT_KEYWORDS.get(key, ())
    for name in item_outputs(stack, key):
        site = resolver.output_site(name, stack.name)
        if site is None:
            continue
        citation = cite_site(resolver.project, site, keywords, (name,), "output")
        if citation.kind == "construct":
            citation = replace(citation, note=f"where it belongs: {citation.note}")
        _append_unique(citations, citation)
    return citations


def _cite_statements(resolver: _Resolver, key: str) -> list[Citation]:
    """Cite the statements of STATEMENT_PATTERNS[key] in files that create constructs.

    Within each statement only the lines that set the item's keywords are
    cited when there are any (an ACL entry's `traffic` and `direction`).
    """
    if resolver.template or key not in STATEMENT_PATTERNS:
        return []
    pattern, note = STATEMENT_PATTERNS[key]
    keywords = property_keywords(key, None)
    citations: list[Citation] = []
    for path in resolver.site_files():
        source = resolver.project.files[path]
        lines = source.text.splitlines()
        language = fence_language(path, source)
        numbers: set[int] = set()
        for number, line in enumerate(lines, start=1):
            if pattern.search(_code_part(line, language)):
                numbers.update(_statement_lines(lines, number, language, keywords))
        if numbers:
            citations.append(
                cite_lines(resolver.project, path, numbers, kind="property", note=note)
            )
    return citations


def _statement_lines(
    lines: list[str], start: int, language: str, keywords: tuple[str, ...]
) -> list[int]:
    end = balanced_end(lines, start, language) or start
    span = (start, min(end, start + MAX_CALL_LINES - 1))
    matched = find_property_lines(lines, span, keywords)
    if matched:
        return _with_values(lines, matched, span, language)
    return list(range(start, min(span[1], start + MAX_EXCERPT_LINES - 1) + 1))


def _code_part(line: str, language: str) -> str:
    """Return `line` without a trailing line comment (strings are not parsed)."""
    marker = "#" if language == "python" else "//"
    return line.split(marker, 1)[0]


def _cite_host(resolver: _Resolver, key: str) -> list[Citation]:
    """Cite the construct where the missing element of item `key` belongs."""
    for host_type in HOST_TYPES.get(key, ()):
        citations: list[Citation] = []
        for stack in resolver.stacks:
            if host_type == "Outputs" and stack.output_sites:
                for citation in _cite_outputs(resolver, stack, key):
                    _append_unique(citations, citation)
                continue
            for logical_id in _host_ids(stack, host_type):
                site = resolver.site_of(logical_id, stack.name, None)
                if site is None:
                    continue
                keywords = resolver.keywords(key, None)
                citation = cite_site(resolver.project, site, keywords, (logical_id,))
                if citation.kind == "construct":
                    note = f"where it belongs: {citation.note}"
                    citation = replace(citation, note=note)
                _append_unique(citations, citation)
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
        ancestor = by_path.get("/".join(parts[:length]))
        site = stack.sites.get(ancestor) if ancestor else None
        if site is not None and site.file in project.files:
            return site
    return None


def _append_unique(citations: list[Citation], citation: Citation) -> None:
    key = (citation.file or "", tuple(c.line for c in citation.lines))
    for index, existing in enumerate(citations):
        if (existing.file or "", tuple(c.line for c in existing.lines)) == key:
            merged = tuple(dict.fromkeys(existing.logical_ids + citation.logical_ids))
            citations[index] = replace(existing, logical_ids=merged)
            return
    citations.append(citation)


def _limit(citations: list[Citation]) -> list[Citation]:
    if len(citations) <= MAX_CITATIONS:
        return citations
    kept = citations[:MAX_CITATIONS]
    extra = len(citations) - MAX_CITATIONS
    last = kept[-1]
    places = "1 more place" if extra == 1 else f"{extra} more places"
    note = f"{last.note}; {places} not shown".lstrip("; ")
    kept[-1] = replace(last, note=note)
    return kept


def _absent(note: str) -> Citation:
    return Citation(kind="absent", note=note)


def _absent_note(finding: Finding) -> str:
    if finding.actual:
        return f"nothing in the response corresponds ({finding.actual})"
    return "nothing in the response corresponds"
