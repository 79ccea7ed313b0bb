"""The SARIF 2.1.0 rendering: required structure, rules, results and locations.

The structure is checked against the properties that the SARIF 2.1.0 schema
marks required (and the enumerations it defines) without fetching the schema.
"""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlparse

import report_support as support

from harness.findings import Status
from harness.report import render_sarif

LEVELS = {"none", "note", "warning", "error"}


def _log(model=None, ideal=None):
    model = model or support.model_evaluation()
    return json.loads(render_sarif(model, support.task(), ideal))


def sarif_problems(log: dict) -> list[str]:
    """Return every violation of SARIF 2.1.0's required fields found in `log`."""
    problems = []
    if log.get("version") != "2.1.0":
        problems.append("version is not 2.1.0")
    if not isinstance(log.get("$schema", ""), str):
        problems.append("$schema is not a string")
    runs = log.get("runs")
    if not isinstance(runs, list) or not runs:
        return problems + ["runs is missing or empty"]
    for index, run in enumerate(runs):
        problems.extend(f"runs[{index}]: {p}" for p in _run_problems(run))
    return problems


def _run_problems(run: dict) -> list[str]:
    driver = run.get("tool", {}).get("driver")
    if not isinstance(driver, dict) or not isinstance(driver.get("name"), str):
        return ["tool.driver.name is missing"]
    problems = []
    rules = driver.get("rules", [])
    for index, rule in enumerate(rules):
        problems.extend(f"rules[{index}]: {p}" for p in _rule_problems(rule))
    ids = [rule.get("id") for rule in rules]
    if len(ids) != len(set(ids)):
        problems.append("rule ids are not unique")
    bases = set(run.get("originalUriBaseIds", {}))
    for index, result in enumerate(run.get("results", [])):
        problems.extend(
            f"results[{index}]: {p}" for p in _result_problems(result, rules, bases)
        )
    return problems


def _rule_problems(rule: dict) -> list[str]:
    problems = []
    if not isinstance(rule.get("id"), str):
        problems.append("id is not a string")
    if "shortDescription" in rule and not isinstance(
        rule["shortDescription"].get("text"), str
    ):
        problems.append("shortDescription.text is missing")
    if "helpUri" in rule and not urlparse(rule["helpUri"]).scheme:
        problems.append(f"helpUri {rule['helpUri']!r} is not an absolute URI")
    level = rule.get("defaultConfiguration", {}).get("level", "warning")
    if level not in LEVELS:
        problems.append(f"defaultConfiguration.level {level!r} is invalid")
    return problems


def _result_problems(result: dict, rules: list[dict], bases: set[str]) -> list[str]:
    problems = []
    message = result.get("message", {})
    if not isinstance(message.get("text"), str) and not isinstance(
        message.get("id"), str
    ):
        problems.append("message has neither text nor id")
    if result.get("level", "warning") not in LEVELS:
        problems.append(f"level {result.get('level')!r} is invalid")
    index = result.get("ruleIndex")
    if index is not None and (
        index >= len(rules) or rules[index].get("id") != result.get("ruleId")
    ):
        problems.append(
            f"ruleIndex {index} does not point at rule {result.get('ruleId')}"
        )
    for location in result.get("locations", []):
        problems.extend(_location_problems(location, bases))
    return problems


def _location_problems(location: dict, bases: set[str]) -> list[str]:
    physical = location.get("physicalLocation", {})
    artifact = physical.get("artifactLocation", {})
    region = physical.get("region", {})
    problems = []
    if not isinstance(artifact.get("uri"), str) or artifact["uri"].startswith("/"):
        problems.append(f"artifact uri {artifact.get('uri')!r} is not a relative path")
    if artifact.get("uriBaseId") not in bases:
        problems.append(f"uriBaseId {artifact.get('uriBaseId')!r} is not declared")
    start = region.get("startLine", 1)
    if not isinstance(start, int) or start < 1:
        problems.append(f"startLine {start!r} is invalid")
    if region.get("endLine", start) < start:
        problems.append("endLine is before startLine")
    return problems


def test_sarif_structure_valid():
    assert sarif_problems(_log(ideal=support.ideal_evaluation())) == []


def test_sarif_validator_catches_errors():
    log = _log()
    log["runs"][0]["results"][0]["level"] = "fatal"
    log["runs"][0]["results"][0]["ruleIndex"] = 4
    del log["runs"][0]["tool"]["driver"]["rules"][1]["id"]
    problems = sarif_problems(log)
    assert "runs[0]: rules[1]: id is not a string" in problems
    assert "runs[0]: results[0]: level 'fatal' is invalid" in problems
    assert "runs[0]: results[0]: ruleIndex 4 does not point at rule 1" in problems


def test_one_rule_per_item():
    rules = _log()["runs"][0]["tool"]["driver"]["rules"]
    item_rules = [
        r for r in rules if r["properties"].get("category") != "deployability"
    ]
    assert [r["id"] for r in item_rules] == ["1", "3", "10", "17", "18"]
    first = item_rules[0]
    assert first["name"] == "availability-zones"
    assert first["shortDescription"] == {"text": "Three availability zones"}
    assert first["helpUri"] == "https://docs.aws.amazon.com/vpc/availability-zones.html"
    assert first["defaultConfiguration"] == {"level": "error"}
    assert item_rules[3]["defaultConfiguration"] == {"level": "warning"}


def test_one_result_per_failure():
    results = _log()["runs"][0]["results"]
    failure_ids = [
        r["ruleId"] for r in results if not r["ruleId"].startswith("cfn-lint/")
    ]
    assert failure_ids == ["1", "3", "10", "17"]


def test_result_locations_file_and_markdown():
    model = support.model_evaluation()
    result = _log(model)["runs"][0]["results"][0]
    file_location, markdown_location = result["locations"]
    artifact = file_location["physicalLocation"]["artifactLocation"]
    line = file_location["physicalLocation"]["region"]["startLine"]
    md_line = markdown_location["physicalLocation"]["region"]["startLine"]
    assert artifact == {"uri": "lib/network-stack.ts", "uriBaseId": "PROJECTROOT"}
    assert (
        markdown_location["physicalLocation"]["artifactLocation"]["uri"]
        == "MODEL_RESPONSE.md"
    )
    file_text = model.project.files["lib/network-stack.ts"].text.splitlines()[line - 1]
    assert file_text.strip() == "maxAzs: 2,"
    assert model.project.markdown.splitlines()[md_line - 1] == file_text


def test_absent_failure_has_no_location():
    results = _log()["runs"][0]["results"]
    retention = next(r for r in results if r["ruleId"] == "10")
    assert "locations" not in retention


def test_directory_response_single_location():
    ideal = support.ideal_evaluation()
    ideal.findings[0] = replace(ideal.findings[0], status=Status.FAIL)
    result = _log(ideal)["runs"][0]["results"][0]
    assert len(result["locations"]) == 1
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "lib/network_stack.py"
    )


def test_deploy_error_result():
    run = _log()["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "cfn-lint/E3012")
    rule = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert result["level"] == "error"
    assert rule["id"] == "cfn-lint/E3012"
    assert result["message"]["text"].startswith("PaymentNet1A2B3C: ")
    assert result["locations"][1]["physicalLocation"]["region"] == {"startLine": 17}


def test_ideal_sarif_has_no_failures():
    results = _log(support.ideal_evaluation())["runs"][0]["results"]
    assert results == []
