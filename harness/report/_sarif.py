"""Render the report data as a SARIF 2.1.0 log, for code-scanning viewers.

One rule per taxonomy item and one per deployability rule that fired; one
result per failed item and per deployability finding. A result on a markdown
response has two locations: the extracted project file and the markdown
document, each with the cited lines.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from harness.taxonomy import Item, Task

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "iac-harness"

# SARIF result levels by taxonomy severity.
SEVERITY_LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
}
# SARIF result levels by deployability finding level.
DEPLOY_LEVELS = {"error": "error", "warning": "warning", "info": "note"}

# uriBaseId of project files (relative to the response's project root) and of
# the markdown document (relative to the folder that contains it).
PROJECT_BASE = "PROJECTROOT"
DOCUMENT_BASE = "RESPONSEDIR"


def render_report_sarif(report: dict[str, Any], task: Task) -> dict[str, Any]:
    """Return the SARIF log (as JSON data) of a report built by `build_report`."""
    rules = [_item_rule(item) for item in _ordered_items(task)]
    deploy_rules = _deploy_rules(report["deploy"])
    rule_index = {rule["id"]: index for index, rule in enumerate(rules + deploy_rules)}
    results = [_failure_result(f, report, rule_index) for f in report["failures"]]
    results += [_deploy_result(d, report, rule_index) for d in report["deploy"]]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": _tool_version(),
                        "rules": rules + deploy_rules,
                    }
                },
                "originalUriBaseIds": {
                    PROJECT_BASE: {
                        "description": {"text": "Root of the response's CDK project."}
                    },
                    DOCUMENT_BASE: {
                        "description": {"text": "Folder of the response document."}
                    },
                },
                "automationDetails": {
                    "id": f"{report['task']['id']}/{report['response']['id']}"
                },
                "properties": {
                    "task": report["task"]["id"],
                    "response": report["response"]["id"],
                    "outcome": report["response"]["outcome"],
                    "score": report["score"].get("score"),
                },
                "results": results,
            }
        ],
    }


def _tool_version() -> str:
    try:
        return metadata.version("iac-harness")
    except metadata.PackageNotFoundError:
        return "unknown"


def _ordered_items(task: Task) -> list[Item]:
    return sorted(task.items, key=lambda item: (_int_or_max(item.id), item.id))


def _int_or_max(text: str) -> int:
    return int(text) if text.isdigit() else 1 << 30


def _item_rule(item: Item) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": item.id,
        "name": item.slug,
        "shortDescription": {"text": item.title},
        "fullDescription": {"text": item.requirement or item.title},
        "defaultConfiguration": {
            "level": SEVERITY_LEVELS.get(item.severity.value, "warning")
        },
        "properties": {
            "severity": item.severity.value,
            "category": item.category,
            "tags": [item.category, item.severity.value],
        },
    }
    if item.doc_url:
        rule["helpUri"] = item.doc_url
    if item.impact:
        rule["help"] = {"text": item.impact}
    return rule


def _deploy_rule_id(entry: dict[str, Any]) -> str:
    return f"{entry['source']}/{entry['rule']}"


def _deploy_rules(deploy: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for entry in deploy:
        rule_id = _deploy_rule_id(entry)
        if rule_id in rules:
            continue
        rules[rule_id] = {
            "id": rule_id,
            "name": rule_id.replace("/", "-").lower(),
            "shortDescription": {"text": f"{entry['source']} rule {entry['rule']}"},
            "defaultConfiguration": {
                "level": DEPLOY_LEVELS.get(entry["level"], "warning")
            },
            "properties": {"category": "deployability"},
        }
    return [rules[key] for key in sorted(rules)]


def _failure_result(
    failure: dict[str, Any], report: dict[str, Any], rule_index: dict[str, int]
) -> dict[str, Any]:
    message = f"{failure['title']}: {failure['root_cause']}"
    result: dict[str, Any] = {
        "ruleId": failure["item"],
        "ruleIndex": rule_index[failure["item"]],
        "level": SEVERITY_LEVELS.get(failure["severity"], "warning"),
        "message": {"text": message.strip()},
        "properties": {
            "severity": failure["severity"],
            "category": failure["category"],
            "consequenceOf": [root["item"] for root in failure["consequence_of"]],
        },
    }
    locations = _citation_locations(failure["citations"], report)
    if locations:
        result["locations"] = locations
    return result


def _citation_locations(
    citations: list[dict[str, Any]], report: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the locations of the first cited place: its file, then its markdown."""
    for citation in citations:
        lines = citation["lines"]
        if not lines or not citation["file"]:
            continue
        first, last = lines[0]["line"], lines[-1]["line"]
        locations = [_location(citation["file"], PROJECT_BASE, first, last)]
        markdown = [c["markdown_line"] for c in lines if c["markdown_line"] is not None]
        document = report["response"]["source"]
        if markdown and document and report["response"]["kind"] == "markdown":
            locations.append(
                _location(document, DOCUMENT_BASE, min(markdown), max(markdown))
            )
        return locations
    return []


def _location(uri: str, base: str, first: int, last: int) -> dict[str, Any]:
    region = {"startLine": first}
    if last != first:
        region["endLine"] = last
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri, "uriBaseId": base},
            "region": region,
        }
    }


def _deploy_result(
    entry: dict[str, Any], report: dict[str, Any], rule_index: dict[str, int]
) -> dict[str, Any]:
    rule_id = _deploy_rule_id(entry)
    subject = entry["logical_id"] or entry["stack"] or "the template"
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index[rule_id],
        "level": DEPLOY_LEVELS.get(entry["level"], "warning"),
        "message": {"text": f"{subject}: {entry['message']}"},
        "properties": {
            "source": entry["source"],
            "propertyPath": entry["property_path"],
        },
    }
    locations = _deploy_locations(entry, report)
    if locations:
        result["locations"] = locations
    return result


def _deploy_locations(
    entry: dict[str, Any], report: dict[str, Any]
) -> list[dict[str, Any]]:
    site = entry["site"]
    if site is None:
        return []
    locations = [_location(site["file"], PROJECT_BASE, site["line"], site["line"])]
    document = report["response"]["source"]
    if site["markdown_line"] is not None and document:
        locations.append(
            _location(
                document, DOCUMENT_BASE, site["markdown_line"], site["markdown_line"]
            )
        )
    return locations
