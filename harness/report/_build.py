"""Assemble the failure-analysis report as plain data, from Evaluation documents.

The markdown, JSON and SARIF renderings all read this one structure, so they
cannot disagree. Every sentence of prose comes from taxonomy text and findings.
"""

from __future__ import annotations

import logging
from pathlib import PurePath
from typing import Any

from harness.evaluation import Evaluation
from harness.findings import DeployFinding, Finding, Severity, Status
from harness.report._diff import diff_section
from harness.score import Weights
from harness.sourcemap import Citation, cite_finding, cite_lines
from harness.taxonomy import Item, Task

logger = logging.getLogger(__name__)

REPORT_SCHEMA = "iac-harness/failure-analysis"
REPORT_VERSION = 1

SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]


def build_report(
    model: Evaluation, task: Task, ideal: Evaluation | None = None
) -> dict[str, Any]:
    """Return the report on `model` as JSON-ready data; `ideal` supplies the fixes."""
    weights = _weights(model)
    failures = [
        _failure(finding, _item(task, finding.item), model, ideal, task)
        for finding in _failed(model, task)
    ]
    report = {
        "schema": REPORT_SCHEMA,
        "version": REPORT_VERSION,
        "title": f"Failure analysis: {task.title}",
        "task": {"id": task.id, "title": task.title},
        "response": _response(model),
        "ideal": _response(ideal) if ideal is not None else None,
        "synthesis_error": _synthesis_error(model),
        "summary": _summary(model, task, failures, weights),
        "failures": failures,
        "errors": _errors(model, task),
        "deploy": _deploy(model),
        "deploy_checked": _deploy_checked(model),
        "diff": diff_section(model.diff, task),
        "score": dict(model.score),
    }
    report["closing"] = _closing(report)
    return report


def _weights(evaluation: Evaluation) -> dict[str, float]:
    """Return the severity weights of the evaluation's score, else the defaults."""
    weights = Weights().to_dict()
    for source in (evaluation.score.get("weights"), evaluation.settings.get("weights")):
        if isinstance(source, dict):
            weights.update({str(k): float(v) for k, v in source.items()})
            break
    return weights


def _item(task: Task, item_id: str) -> Item:
    try:
        return task.item(item_id)
    except KeyError:
        logger.warning(
            "finding for item %s, which task %s does not define", item_id, task.id
        )
        return Item(
            id=item_id,
            slug=item_id,
            severity=Severity.LOW,
            title=f"Item {item_id}",
            category="uncategorized",
            requirement="",
            doc_url="",
            impact="",
            training_value="",
        )


def _failed(evaluation: Evaluation, task: Task) -> list[Finding]:
    """Return the failed findings, by severity and then by taxonomy order."""
    order = {item.id: index for index, item in enumerate(task.items)}
    failed = [f for f in evaluation.findings if f.status is Status.FAIL]
    return sorted(
        failed,
        key=lambda f: (
            SEVERITY_ORDER.index(_item(task, f.item).severity),
            order.get(f.item, len(order)),
        ),
    )


def _response(evaluation: Evaluation) -> dict[str, Any]:
    info = evaluation.response
    return {
        "id": info.id,
        # Only the file name: a report must not carry this machine's paths.
        "source": PurePath(info.source).name if info.source else None,
        "kind": info.kind,
        "model": info.model,
        "language": evaluation.synth.language,
        "outcome": evaluation.outcome,
        "role": evaluation.settings.get("role", "model"),
    }


def _synthesis_error(evaluation: Evaluation) -> dict[str, Any] | None:
    error = evaluation.synth.error
    if error is None:
        return None
    data = error.to_dict()
    data["failed_stage"] = evaluation.settings.get("failed_stage")
    project = evaluation.project
    if project is not None and error.file in project.files and error.line:
        citation = cite_lines(
            project, error.file, [error.line], kind="file", note="where it failed"
        )
        data["citation"] = citation.to_dict()
    return data


def _failure(
    finding: Finding,
    item: Item,
    model: Evaluation,
    ideal: Evaluation | None,
    task: Task,
) -> dict[str, Any]:
    citations = cite_finding(finding, model.project, model.synth, item.slug)
    return {
        "item": item.id,
        "slug": item.slug,
        "title": item.title,
        "severity": item.severity.value,
        "category": item.category,
        "requirement": item.requirement,
        "expected": finding.expected,
        "actual": finding.actual,
        "message": finding.message,
        "root_cause": _root_cause(item, finding),
        "consequence_of": _consequence_of(finding, model, task),
        "doc_url": item.doc_url,
        "impact": item.impact,
        "training_value": item.training_value,
        "citations": [c.to_dict() for c in citations],
        "fix": _fix(item, ideal),
    }


def _root_cause(item: Item, finding: Finding) -> str:
    """State the root cause from the finding: what was expected and what was found."""
    sentences = []
    if finding.expected:
        sentences.append(f"Expected: {_sentence(finding.expected)}")
    if finding.actual:
        sentences.append(f"Found: {_sentence(finding.actual)}")
    if finding.message and finding.message not in (finding.expected, finding.actual):
        sentences.append(_sentence(finding.message))
    if not sentences and item.requirement:
        sentences.append(
            f"The response does not meet the requirement: {item.requirement}"
        )
    return " ".join(sentences)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _consequence_of(
    finding: Finding, model: Evaluation, task: Task
) -> list[dict[str, Any]]:
    """Return the root items this failure follows from, with whether each failed.

    The rule that produced the finding decides; the taxonomy's `consequence_of`
    only lists the items that can cause a failure, not the ones that did.
    """
    statuses = {f.item: f.status for f in model.findings}
    result = []
    for root in finding.consequence_of:
        root_item = _item(task, root)
        result.append(
            {
                "item": root,
                "title": root_item.title,
                "failed": statuses.get(root) is Status.FAIL,
            }
        )
    return result


def _fix(item: Item, ideal: Evaluation | None) -> dict[str, Any] | None:
    """Return the ideal response's lines for `item`, or None without an ideal."""
    if ideal is None:
        return None
    finding = next((f for f in ideal.findings if f.item == item.id), None)
    if finding is None:
        return {
            "status": None,
            "citations": [],
            "note": "the ideal was not checked on this item",
        }
    citations = cite_finding(finding, ideal.project, ideal.synth, item.slug)
    shown = [c for c in citations if c.kind != "absent"]
    note = ""
    if finding.status is not Status.PASS:
        note = f"the ideal response's own status on this item is {finding.status.value}"
    elif not shown:
        note = "no line of the ideal response could be matched to this item"
    return {
        "status": finding.status.value,
        "citations": [c.to_dict() for c in shown],
        "note": note,
    }


def _summary(
    model: Evaluation,
    task: Task,
    failures: list[dict[str, Any]],
    weights: dict[str, float],
) -> dict[str, Any]:
    counts = {s.value: 0 for s in SEVERITY_ORDER}
    for failure in failures:
        counts[failure["severity"]] = counts.get(failure["severity"], 0) + 1
    statuses = [f.status for f in model.findings]
    return {
        "checked": len(model.findings),
        "failed": len(failures),
        "passed": statuses.count(Status.PASS),
        "not_applicable": statuses.count(Status.NOT_APPLICABLE),
        "errors": statuses.count(Status.ERROR),
        "by_severity": counts,
        "root_causes": [f["item"] for f in failures if not f["consequence_of"]],
        "consequences": [f["item"] for f in failures if f["consequence_of"]],
        "knowledge_gaps": _knowledge_gaps(failures, weights),
        "weights": weights,
    }


def _knowledge_gaps(
    failures: list[dict[str, Any]], weights: dict[str, float]
) -> list[dict[str, Any]]:
    """Group failed items by category, heaviest total severity weight first."""
    gaps: dict[str, dict[str, Any]] = {}
    for failure in failures:
        gap = gaps.setdefault(
            failure["category"],
            {"category": failure["category"], "weight": 0.0, "items": [], "titles": []},
        )
        gap["weight"] += weights.get(failure["severity"], 0.0)
        gap["items"].append(failure["item"])
        gap["titles"].append(failure["title"])
    return sorted(gaps.values(), key=lambda g: (-g["weight"], g["category"]))


def _errors(model: Evaluation, task: Task) -> list[dict[str, Any]]:
    return [
        {
            "item": f.item,
            "title": _item(task, f.item).title,
            "message": f.message or f.actual,
        }
        for f in model.findings
        if f.status is Status.ERROR
    ]


def _deploy(model: Evaluation) -> list[dict[str, Any]]:
    """Return the deployability findings, errors first, each with its source site."""
    rank = {"error": 0, "warning": 1, "info": 2}
    ordered = sorted(
        model.deploy,
        key=lambda d: (rank.get(d.level, 3), d.source, d.rule, d.logical_id or ""),
    )
    return [_deploy_entry(finding, model) for finding in ordered]


def _deploy_checked(model: Evaluation) -> bool:
    """Return whether the deployability checks ran on `model`."""
    if model.deploy:
        return True
    enabled = model.settings.get("deployability", True) is not False
    return enabled and model.synth.ok


def _deploy_entry(finding: DeployFinding, model: Evaluation) -> dict[str, Any]:
    entry = {
        "source": finding.source,
        "rule": finding.rule,
        "level": finding.level,
        "message": finding.message,
        "stack": finding.stack,
        "logical_id": finding.logical_id,
        "property_path": finding.property_path,
        "template_line": finding.template_line,
        "template_file": _template_file(model, finding.stack),
        "site": None,
    }
    site = _site(model, finding.stack, finding.logical_id)
    if site is not None:
        entry["site"] = site
    return entry


def _template_file(model: Evaluation, stack_name: str | None) -> str | None:
    for stack in model.synth.stacks:
        if stack.name == stack_name:
            return PurePath(stack.template_file).name
    return None


def _site(model: Evaluation, stack_name: str | None, logical_id: str | None):
    if logical_id is None or model.project is None:
        return None
    for stack in model.synth.stacks:
        if stack_name not in (None, stack.name):
            continue
        site = stack.sites.get(logical_id)
        if site is not None and site.file in model.project.files:
            source = model.project.files[site.file]
            return {
                "file": site.file,
                "line": site.line,
                "markdown_line": source.markdown_line(site.line),
            }
    return None


def _closing(report: dict[str, Any]) -> dict[str, Any]:
    summary = report["summary"]
    deploy = report["deploy"]
    return {
        "total_failures": summary["failed"],
        "by_severity": summary["by_severity"],
        "root_causes": len(summary["root_causes"]),
        "consequences": len(summary["consequences"]),
        "deploy_errors": sum(1 for d in deploy if d["level"] == "error"),
        "deploy_warnings": sum(1 for d in deploy if d["level"] == "warning"),
        "top_gaps": [g["category"] for g in summary["knowledge_gaps"][:5]],
        "training_focus": [
            f["training_value"] for f in report["failures"] if f["training_value"]
        ][:5],
        "score": report["score"].get("score"),
        "complete": report["score"].get("complete"),
    }


def citations_of(entry: dict[str, Any]) -> list[Citation]:
    """Return the citations of one failure entry as Citation values."""
    return [Citation.from_dict(c) for c in entry.get("citations", [])]
