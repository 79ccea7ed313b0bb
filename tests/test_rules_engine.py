"""run_rules: one finding per item, broken rules isolated, failed synthesis."""

from __future__ import annotations

import json
from pathlib import Path

from harness._project import Project, SourceFile
from harness._synth_result import Stack, SynthResult
from harness.errors import ErrorClass, ResponseError
from harness.findings import Finding, Severity, Status
from harness.rules_engine import NO_SYNTH_ACTUAL, link_consequences, run_rules
from harness.tasks.pci_payment_vpc import TASK
from harness.taxonomy import Item, RuleContext, Task
from harness.template import TemplateModel

BASE = Path(__file__).resolve().parent / "fixtures" / "templates" / "pci_vpc.json"


def item(item_id: str, scope: str = "template", *roots: str) -> Item:
    return Item(
        item_id, f"item-{item_id}", Severity.HIGH, "t", "c", "r.", "u", "i", "v",
        scope=scope, consequence_of=roots,
    )  # fmt: skip


class Fixed:
    def __init__(self, item_id: str, status: Status, *roots: str) -> None:
        self.item_id = item_id
        self.finding = Finding(item_id, status, consequence_of=roots)

    def check(self, ctx: RuleContext) -> Finding:
        return self.finding


class Raising:
    item_id = "2"

    def check(self, ctx: RuleContext) -> Finding:
        raise KeyError("Properties")


class WrongItem:
    item_id = "3"

    def check(self, ctx: RuleContext) -> Finding:
        return Finding("1", Status.PASS)


def context(synth: SynthResult, files: dict[str, str] | None = None) -> RuleContext:
    sources = {p: SourceFile(p, t) for p, t in (files or {}).items()}
    project = Project("p", "directory", sources)
    return RuleContext(project, synth, TemplateModel(synth.stacks), None)


def good_synth() -> SynthResult:
    stack = Stack(
        "PciNetwork", json.loads(BASE.read_text()), "PciNetwork.template.json"
    )
    return SynthResult("python", "app.py", [stack])


def failed_synth() -> SynthResult:
    error = ResponseError(ErrorClass.SYNTAX_ERROR, "invalid syntax", "app.py", 3)
    return SynthResult("python", "app.py", error=error)


def test_raising_rule_becomes_error_and_others_run():
    task = Task(
        "t", "t", [item("1"), item("2"), item("3")],
        {"1": Fixed("1", Status.PASS), "2": Raising(), "3": Fixed("3", Status.FAIL)},
    )  # fmt: skip
    findings = run_rules(task, context(good_synth()))
    assert [f.item for f in findings] == ["1", "2", "3"]
    assert [f.status for f in findings] == [Status.PASS, Status.ERROR, Status.FAIL]
    assert "KeyError" in findings[1].message


def test_invalid_finding_becomes_error():
    task = Task("t", "t", [item("3")], {"3": WrongItem()})
    (finding,) = run_rules(task, context(good_synth()))
    assert finding.status is Status.ERROR
    assert "invalid finding" in finding.message


def test_missing_rule_becomes_error():
    task = Task("t", "t", [item("1")], {})
    (finding,) = run_rules(task, context(good_synth()))
    assert finding.status is Status.ERROR
    assert finding.message == "no rule for item 1"


def test_consequence_kept_only_when_root_failed():
    task = Task(
        "t", "t", [item("1"), item("2", "template", "1"), item("3", "template", "1")],
        {
            "1": Fixed("1", Status.FAIL),
            "2": Fixed("2", Status.FAIL, "1"),
            "3": Fixed("3", Status.PASS, "1"),
        },
    )  # fmt: skip
    findings = run_rules(task, context(good_synth()))
    assert findings[1].consequence_of == ("1",)
    assert findings[2].consequence_of == ()


def test_consequence_dropped_when_root_passed():
    findings = link_consequences(
        [Finding("4", Status.PASS), Finding("12", Status.FAIL, consequence_of=("4",))]
    )
    assert findings[1].consequence_of == ()


def test_failed_synthesis_runs_project_rules_only():
    files = {"README.md": "# Network\n## Deploy\ncdk deploy\n"}
    findings = run_rules(TASK, context(failed_synth(), files))
    by_item = {f.item: f for f in findings}
    assert len(findings) == 18
    for item_id in [str(n) for n in range(1, 15)] + ["18"]:
        assert by_item[item_id].status is Status.NOT_APPLICABLE
        assert "syntax_error: invalid syntax" in by_item[item_id].message
    assert by_item["16"].status is Status.FAIL
    assert "deployment" in by_item["16"].actual


def test_failed_synthesis_can_fail_template_rules():
    findings = run_rules(TASK, context(failed_synth()), on_synth_failure="fail")
    by_item = {f.item: f for f in findings}
    assert by_item["1"].status is Status.FAIL
    assert by_item["1"].actual == NO_SYNTH_ACTUAL
    assert by_item["18"].status is Status.FAIL


def test_real_task_on_fixture_template():
    findings = run_rules(TASK, context(good_synth()))
    statuses = {f.item: f.status for f in findings}
    assert all(statuses[str(n)] is Status.PASS for n in range(1, 15))
    assert statuses["18"] is Status.NOT_APPLICABLE
