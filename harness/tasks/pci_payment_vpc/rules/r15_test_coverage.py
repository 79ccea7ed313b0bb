"""Item 15: the unit tests assert on each security-relevant part of the stack.

A test file is split into units: Python functions by indentation, and for
TypeScript each `test(`/`it(`/`describe(` block or helper function up to the
next one. A topic counts as tested when its marker (mostly a CloudFormation
resource type) appears in a unit that makes an assertion, or in a helper
that such a unit calls. Commented-out lines do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness._project import SourceFile
from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import listing, result
from harness.tasks.pci_payment_vpc._files import find_test_files
from harness.taxonomy import RuleContext

TOPICS = {
    "NAT gateways": r"AWS::EC2::NatGateway\b",
    "NACL entries": r"AWS::EC2::NetworkAclEntry\b",
    "flow logs": r"AWS::EC2::FlowLog\b",
    "log group": r"AWS::Logs::LogGroup\b",
    "S3 endpoint": r"AWS::EC2::VPCEndpoint\b",
    "outputs": r"\b(has_?[Oo]utput|find_?[Oo]utputs)\b|\bOutputs\b",
    "tags": r"\bTags\b",
}
ASSERTION = re.compile(
    r"\bexpect\s*\(|\bassert\b|\bassert[A-Z]\w*\(|\.has_?[Rr]esource|"
    r"\.resource_?[Cc]ount_?[Ii]s|\.has_?[Oo]utput|\.template_?[Mm]atches|"
    r"\.all_?[Rr]esources"
)
_PY_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
_TS_UNIT = re.compile(
    r"^\s*(?:(?:export\s+)?(?:async\s+)?function\s+(\w+)|"
    r"(?:export\s+)?(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?(?:\(|function)|"
    r"(?:test|it|describe|beforeAll|beforeEach)(?:\.\w+)?\s*\()"
)


@dataclass
class _Unit:
    name: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)

    def asserts(self) -> bool:
        return any(ASSERTION.search(text) for _, text in self.lines)

    def calls(self, name: str) -> bool:
        pattern = re.compile(rf"\b{re.escape(name)}\s*\(")
        return any(pattern.search(text) for _, text in self.lines[1:])


class TestCoverage:
    item_id = "15"
    slug = "test-coverage"

    def check(self, ctx: RuleContext) -> Finding:
        expected = f"unit tests asserting on {listing(TOPICS, ordered=True)}"
        files = find_test_files(ctx.project)
        if not files:
            return result(self.item_id, False, expected, "no jest or pytest test files")
        sites: dict[str, Evidence] = {}
        for source in files:
            for topic, site in tested_topics(source).items():
                sites.setdefault(topic, site)
        found = {topic: sites[topic] for topic in TOPICS if topic in sites}
        missing = [topic for topic in TOPICS if topic not in found]
        actual = (
            f"{len(files)} test file(s) assert on {len(found)} of {len(TOPICS)} "
            f"topics ({listing(found, ordered=True)})"
        )
        if not missing:
            evidence = [found[topic] for topic in TOPICS]
            return result(self.item_id, True, expected, actual, evidence)
        actual += f"; missing: {listing(missing, ordered=True)}"
        note = "no assertion on " + listing(missing, ordered=True)
        evidence = [Evidence(file=f.path, note=note) for f in files]
        return result(self.item_id, False, expected, actual, evidence)


def tested_topics(source: SourceFile) -> dict[str, Evidence]:
    """Map each topic a test file asserts on to the line that names it."""
    units = _units(source)
    asserting = [unit for unit in units if unit.asserts()]
    reached = list(asserting)
    pending = [unit for unit in units if unit not in asserting and unit.name]
    while True:
        called = [u for u in pending if any(r.calls(u.name or "") for r in reached)]
        if not called:
            break
        reached += called
        pending = [unit for unit in pending if unit not in called]
    found: dict[str, Evidence] = {}
    for unit in reached:
        for number, text in unit.lines:
            for topic, pattern in TOPICS.items():
                if topic not in found and re.search(pattern, text):
                    found[topic] = Evidence(file=source.path, line=number, note=topic)
    return found


def _units(source: SourceFile) -> list[_Unit]:
    lines = [
        (number, "" if text.lstrip().startswith(("//", "#", "*")) else text)
        for number, text in enumerate(source.text.splitlines(), start=1)
    ]
    if source.path.endswith(".py"):
        return _python_units(lines)
    units = [_Unit(None)]
    for number, text in lines:
        match = _TS_UNIT.match(text)
        if match:
            units.append(_Unit(match.group(1) or match.group(2)))
        units[-1].lines.append((number, text))
    return units


def _python_units(lines: list[tuple[int, str]]) -> list[_Unit]:
    """Split Python source into functions; lines between functions (decorators,
    constants) join the next function."""
    units: list[_Unit] = []
    pending: list[tuple[int, str]] = []
    indent: int | None = None
    for number, text in lines:
        depth = len(text) - len(text.lstrip())
        in_body = indent is not None and (not text.strip() or depth > indent)
        match = _PY_DEF.match(text)
        if match:
            units.append(_Unit(match.group(2), pending + [(number, text)]))
            pending, indent = [], len(match.group(1))
        elif in_body:
            units[-1].lines.append((number, text))
        else:
            pending.append((number, text))
            indent = None
    return units


RULE = TestCoverage()
