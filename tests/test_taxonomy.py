"""The pci-payment-vpc taxonomy as data, tied to its rule modules and fixtures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from harness.findings import Severity
from harness.tasks.pci_payment_vpc import PACKAGE_DIR, TASK, TAXONOMY_FILE, load_items
from harness.taxonomy import available_tasks, load_task

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "templates"
SEVERITIES = {
    "1": "critical", "2": "critical", "3": "critical", "4": "critical",
    "5": "critical", "6": "high", "7": "high", "8": "high", "9": "high",
    "10": "high", "11": "high", "12": "high", "13": "high", "14": "medium",
    "15": "medium", "16": "medium", "17": "medium", "18": "high",
}  # fmt: skip


def rule_module_name(item) -> str:
    return f"r{int(item.id):02d}_{item.slug.replace('-', '_')}"


def test_task_loads_by_id():
    assert "pci-payment-vpc" in available_tasks()
    assert load_task("pci-payment-vpc") is TASK


def test_eighteen_unique_ids_and_slugs():
    ids = [item.id for item in TASK.items]
    slugs = [item.slug for item in TASK.items]
    assert ids == [str(n) for n in range(1, 19)]
    assert len(set(slugs)) == 18


def test_severities_match_the_specification():
    assert {item.id: item.severity.value for item in TASK.items} == SEVERITIES


@pytest.mark.parametrize("item", TASK.items, ids=lambda item: item.slug)
def test_item_has_complete_metadata(item):
    assert item.title
    assert item.category
    assert item.requirement.endswith(".")
    assert re.match(r"^https://docs\.aws\.amazon\.com/\S+\.html$", item.doc_url)
    assert len(re.findall(r"[.!?](\s|$)", item.impact)) >= 2
    assert len(re.findall(r"[.!?](\s|$)", item.training_value)) >= 2
    assert item.scope in ("template", "project", "resynth")
    assert isinstance(item.severity, Severity)


def test_scopes_and_consequences():
    scopes = {item.id: item.scope for item in TASK.items}
    assert [i for i, s in scopes.items() if s == "project"] == ["15", "16", "17"]
    assert [i for i, s in scopes.items() if s == "resynth"] == ["18"]
    links = {item.id: item.consequence_of for item in TASK.items if item.consequence_of}
    assert links == {"3": ("10",), "12": ("4",), "13": ("10",)}


@pytest.mark.parametrize("item", TASK.items, ids=lambda item: item.slug)
def test_item_has_exactly_one_rule_module(item):
    modules = sorted(p.stem for p in (PACKAGE_DIR / "rules").glob("r[0-9][0-9]_*.py"))
    assert modules.count(rule_module_name(item)) == 1
    rule = TASK.rules[item.id]
    assert type(rule).__module__.endswith("." + rule_module_name(item))
    assert rule.slug == item.slug


def test_no_rule_without_item():
    modules = sorted(p.stem for p in (PACKAGE_DIR / "rules").glob("r*.py"))
    assert modules == sorted(rule_module_name(item) for item in TASK.items)
    assert sorted(TASK.rules, key=int) == [item.id for item in TASK.items]


@pytest.mark.parametrize("item", TASK.items, ids=lambda item: item.slug)
def test_rule_has_passing_and_failing_fixtures(item):
    names = [p.stem for p in (FIXTURES / rule_module_name(item)).glob("*.json")]
    assert any(name.startswith("pass") for name in names) or item.id == "18"
    assert any(name.startswith("fail") for name in names)


def test_rule_18_has_not_applicable_and_error_fixtures():
    names = {
        p.stem for p in (FIXTURES / "r18_lambda_reserved_concurrency").glob("*.json")
    }
    assert {"pass", "not_applicable", "error_no_resynth"} <= names


def test_taxonomy_rejects_item_without_field(tmp_path):
    data = yaml.safe_load(TAXONOMY_FILE.read_text())
    del data["items"][2]["doc_url"]
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text(yaml.safe_dump(data))
    with pytest.raises(Exception, match=r"item 3 is missing doc_url"):
        load_items(broken)
