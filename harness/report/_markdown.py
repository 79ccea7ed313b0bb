"""Render the failure-analysis report data as a markdown document."""

from __future__ import annotations

from typing import Any

from harness.report._excerpts import citation_block, fence, sentence
from harness.sourcemap import Citation

SEVERITY_TITLES = {
    "critical": "Critical",
    "high": "High",
    "medium": "Medium",
    "low": "Low",
}
# Unexplained diff entries shown in the markdown; the JSON report has all.
MAX_DIFF_ROWS = 40
_KIND_WORDS = {"directory": "project directory", "markdown": "markdown document"}
_LANGUAGE_WORDS = {
    "typescript": "TypeScript CDK",
    "python": "Python CDK",
    "cloudformation": "CloudFormation template",
}


def render_report_markdown(report: dict[str, Any]) -> str:
    """Return the markdown document of a report built by `build_report`."""
    parts = [
        f"# {report['title']}",
        _introduction(report),
        _executive_summary(report),
        *_synthesis_error(report),
        *_failure_sections(report),
        *_error_section(report),
        _deploy_section(report),
        _diff_section(report),
        _score_section(report),
        _closing_section(report),
    ]
    return "\n\n".join(part.rstrip() for part in parts if part) + "\n"


def _introduction(report: dict[str, Any]) -> str:
    response = report["response"]
    what = _KIND_WORDS.get(response["kind"], response["kind"])
    language = _LANGUAGE_WORDS.get(response["language"] or "", "")
    text = f"This report analyzes response `{response['id']}`"
    if response.get("source"):
        text += f" (`{response['source']}`)"
    text += f", a {what}"
    if language:
        text += f" written as a {language} app"
    text += f", against the failure taxonomy of task `{report['task']['id']}`."
    if report["ideal"] is not None:
        text += f" Fixes are quoted from the ideal response `{report['ideal']['id']}`."
    if response["kind"] == "markdown":
        text += (
            " Each excerpt names the line numbers in the extracted project file"
            " and in the markdown document."
        )
    return text


def _executive_summary(report: dict[str, Any]) -> str:
    summary = report["summary"]
    lines = ["## Executive summary", ""]
    if summary["failed"] == 0:
        lines.append(_nothing_to_fix(report))
    else:
        lines.append(
            f"The response fails {summary['failed']} of the {summary['checked']} "
            f"checked taxonomy items: {_severity_phrase(summary['by_severity'])}."
        )
        lines.extend(["", "**Failure breakdown:**", ""])
        for severity, count in summary["by_severity"].items():
            if count:
                items = [
                    f["item"] for f in report["failures"] if f["severity"] == severity
                ]
                lines.append(
                    f"- **{SEVERITY_TITLES.get(severity, severity)}**: {count} "
                    f"({_items_phrase(items)})"
                )
        lines.extend(_gap_lines(summary))
    lines.extend(["", _status_counts(summary)])
    return "\n".join(lines)


def _nothing_to_fix(report: dict[str, Any]) -> str:
    error = report["synthesis_error"]
    if error is not None and error["blame"] == "harness":
        return (
            "No taxonomy item failed, but the harness did not finish, so the "
            "result is incomplete."
        )
    if error is not None:
        return (
            "No taxonomy item failed, but the response could not be synthesized, "
            "so its templates were not checked."
        )
    return "Nothing to fix: the response passes every applicable item of the taxonomy."


def _gap_lines(summary: dict[str, Any]) -> list[str]:
    lines = [
        "",
        (
            "**Primary knowledge gaps** (categories of the failed items, heaviest "
            "total severity weight first):"
        ),
        "",
    ]
    for index, gap in enumerate(summary["knowledge_gaps"], start=1):
        lines.append(
            f"{index}. **{gap['category']}** (weight {gap['weight']:g}): "
            f"{'; '.join(gap['titles'])}"
        )
    return lines


def _status_counts(summary: dict[str, Any]) -> str:
    text = (
        f"Of {summary['checked']} items, {summary['passed']} passed, "
        f"{summary['failed']} failed and {summary['not_applicable']} did not apply"
    )
    if summary["errors"]:
        text += f"; {summary['errors']} could not be checked"
    text += "."
    if summary["consequences"]:
        consequences = summary["consequences"]
        text += (
            f" Failures that follow from another failure: {len(consequences)} "
            f"({_items_phrase(consequences)})."
        )
    return text


def _severity_phrase(by_severity: dict[str, int]) -> str:
    parts = [f"{count} {severity}" for severity, count in by_severity.items() if count]
    return ", ".join(parts) if parts else "none"


def _synthesis_error(report: dict[str, Any]) -> list[str]:
    error = report["synthesis_error"]
    if error is None:
        return []
    lines = [
        "## Harness failure" if error["blame"] == "harness" else "## Synthesis failure"
    ]
    lines.extend(["", _error_sentence(error)])
    citation = error.get("citation")
    if citation:
        lines.extend(["", *citation_block(Citation.from_dict(citation), "Response")])
    if error.get("detail"):
        lines.extend(["", fence(error["detail"].splitlines(), "text")])
    return ["\n".join(lines)]


def _error_sentence(error: dict[str, Any]) -> str:
    message = sentence(error["message"])
    if error["blame"] == "harness":
        stage = f" during {error['failed_stage']}" if error.get("failed_stage") else ""
        return (
            f"The harness failed{stage} (**{error['error_class']}**), so this result "
            f"is incomplete and nothing is counted against the response. {message}"
        )
    return (
        f"The response produced no usable templates (**{error['error_class']}**). "
        f"{message}"
    )


def _failure_sections(report: dict[str, Any]) -> list[str]:
    sections = []
    for severity, title in SEVERITY_TITLES.items():
        failures = [f for f in report["failures"] if f["severity"] == severity]
        if not failures:
            continue
        sections.append(f"## {title} failures")
        for failure in failures:
            sections.append(_failure_section(failure, report))
            sections.append("---")
    return sections


def _failure_section(failure: dict[str, Any], report: dict[str, Any]) -> str:
    lines = [
        f"### {_heading(failure)}",
        "",
        f"**Impact level**: {_severity_title(failure['severity'])}",
        "",
        f"**Category**: {failure['category']}",
        "",
    ]
    for citation in failure["citations"]:
        lines.extend(citation_block(Citation.from_dict(citation), "Model response"))
        lines.append("")
    lines.extend(_fix_lines(failure, report))
    lines.extend([f"**Root cause**: {failure['root_cause']}", ""])
    for root in failure["consequence_of"]:
        lines.extend([_consequence_line(root), ""])
    if failure["requirement"]:
        lines.extend([f"**Requirement**: {failure['requirement']}", ""])
    if failure["doc_url"]:
        lines.extend([f"**AWS documentation**: <{failure['doc_url']}>", ""])
    if failure["impact"]:
        lines.extend([f"**Impact**: {failure['impact']}", ""])
    if failure["training_value"]:
        lines.extend([f"**Training value**: {failure['training_value']}", ""])
    return "\n".join(lines)


def _severity_title(severity: str) -> str:
    return SEVERITY_TITLES.get(severity, severity)


def _heading(failure: dict[str, Any]) -> str:
    title = failure["title"]
    if failure["item"].isdigit():
        return f"{failure['item']}. {title} (`{failure['slug']}`)"
    return f"{title} (`{failure['item']}`)"


def _consequence_line(root: dict[str, Any]) -> str:
    if root["failed"]:
        return (
            f"**Consequence of**: item {root['item']} ({root['title']}), which also "
            "fails. This item cannot pass while that one fails."
        )
    return (
        f"**Consequence of**: item {root['item']} ({root['title']}), which passed, "
        "so this failure has a cause of its own."
    )


def _fix_lines(failure: dict[str, Any], report: dict[str, Any]) -> list[str]:
    fix = failure["fix"]
    if fix is None:
        return []
    lines: list[str] = []
    for citation in fix["citations"]:
        lines.extend(citation_block(Citation.from_dict(citation), "Ideal response fix"))
        lines.append("")
    if fix["note"]:
        lines.extend([f"**Ideal response fix**: {sentence(fix['note'])}", ""])
    return lines


def _error_section(report: dict[str, Any]) -> list[str]:
    if not report["errors"]:
        return []
    lines = [
        "## Items the harness could not check",
        "",
        "These items count as incomplete, not as failures of the response.",
        "",
    ]
    for error in report["errors"]:
        lines.append(f"- item {error['item']} ({error['title']}): {error['message']}")
    return ["\n".join(lines)]


def _deploy_section(report: dict[str, Any]) -> str:
    deploy = report["deploy"]
    lines = ["## Deployability", ""]
    if not report["deploy_checked"]:
        lines.append("The deployability checks did not run for this evaluation.")
        return "\n".join(lines)
    if not deploy:
        lines.append("cfn-lint and the API-constraint checks found nothing.")
        return "\n".join(lines)
    errors = sum(1 for d in deploy if d["level"] == "error")
    lines.append(
        f"{_count(len(deploy), 'finding')}, {errors} of them errors that would stop "
        "a deployment."
    )
    lines.extend(
        [
            "",
            "| level | source | rule | resource | property | response line | message |",
            "|---|---|---|---|---|---|---|",
        ]
    )
    for entry in deploy:
        lines.append(_deploy_row(entry))
    return "\n".join(lines)


def _deploy_row(entry: dict[str, Any]) -> str:
    resource = entry["logical_id"] or ""
    if entry["stack"]:
        resource = f"{entry['stack']}/{resource}" if resource else entry["stack"]
    site = entry["site"]
    where = ""
    if site is not None:
        where = f"`{site['file']}`:{site['line']}"
        if site["markdown_line"] is not None:
            where += f" (md {site['markdown_line']})"
    cells = [
        entry["level"],
        entry["source"],
        entry["rule"],
        resource,
        entry["property_path"] or "",
        where,
        entry["message"],
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _diff_section(report: dict[str, Any]) -> str:
    diff = report["diff"]
    lines = ["## Template differences not explained by a finding", ""]

    if not diff["available"]:
        lines.append(
            "No diff against an ideal response was computed for this evaluation."
        )
        return "\n".join(lines)
    share = diff["explained_share"]
    share_text = f"{share:.0%}" if share is not None else "an unknown share"
    lines.append(
        f"The diff against the ideal has {_count(diff['entries'], 'entry')}, and the "
        f"taxonomy explains {share_text} of them."
    )

    unexplained = diff["unexplained"]
    if not unexplained:
        lines.extend(["", "Every entry is attributed to a taxonomy item."])
        return "\n".join(lines)
    lines.extend(
        [
            "",
            "| kind | type | element | role | path | ideal | model |",
            "|---|---|---|---|---|---|---|",
        ]
    )

    for entry in unexplained[:MAX_DIFF_ROWS]:
        lines.append(_diff_row(entry))
    if len(unexplained) > MAX_DIFF_ROWS:
        hidden = len(unexplained) - MAX_DIFF_ROWS
        lines.extend(
            ["", f"{_count(hidden, 'more entry')} are listed in the JSON report."]
        )
    return "\n".join(lines)


def _diff_row(entry: dict[str, Any]) -> str:
    element = entry["model_element"] or entry["ideal_element"] or ""
    cells = [
        entry["kind"],
        entry["resource_type"] or "",
        element,
        entry["role"] or "",
        entry["path"],
        _code(entry["ideal_value"]),
        _code(entry["model_value"]),
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _code(value: str | None) -> str:
    if value is None:
        return ""
    return f"`{value}`" if "`" not in value else value


def _score_section(report: dict[str, Any]) -> str:
    score = report["score"]
    lines = ["## Score", ""]
    if not score:
        lines.append("The evaluation carries no score.")
        return "\n".join(lines)
    lines.extend(["| measure | value |", "|---|---|"])
    for key in sorted(score):
        lines.append(f"| {_cell(key)} | {_cell(_value(score[key]))} |")
    return "\n".join(lines)


def _value(value: Any) -> str:
    if isinstance(value, dict):
        # Sorted, so that a report read back from JSON (sorted keys) is identical.
        keys = sorted(value, key=_key_rank)
        return ", ".join(f"{k}: {_value(value[k])}" for k in keys)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)


def _key_rank(key: Any) -> tuple[int, str]:
    """Order severities from critical to low, then other keys alphabetically."""
    order = list(SEVERITY_TITLES)
    text = str(key)
    return (order.index(text), text) if text in order else (len(order), text)


def _closing_section(report: dict[str, Any]) -> str:
    closing = report["closing"]
    lines = ["## Summary", ""]
    if closing["total_failures"] == 0:
        lines.append(_nothing_to_fix(report))
    else:
        lines.append(
            f"**Total failures**: {closing['total_failures']} "
            f"({_severity_phrase(closing['by_severity'])}); "
            f"{_count(closing['root_causes'], 'root cause')} and "
            f"{_count(closing['consequences'], 'consequence')} of them."
        )
        if closing["top_gaps"]:
            lines.extend(["", "**Primary knowledge gaps**:", ""])
            lines.extend(f"{i}. {gap}" for i, gap in enumerate(closing["top_gaps"], 1))
        if closing["training_focus"]:
            lines.extend(["", "**What fixing these failures teaches**:", ""])
            lines.extend(f"- {text}" for text in closing["training_focus"])
    lines.extend(["", _deploy_sentence(closing), _score_sentence(closing)])
    return "\n".join(lines)


def _deploy_sentence(closing: dict[str, Any]) -> str:
    return (
        f"Deployability: {_count(closing['deploy_errors'], 'error')} and "
        f"{_count(closing['deploy_warnings'], 'warning')}."
    )


def _score_sentence(closing: dict[str, Any]) -> str:
    if closing["score"] is None:
        return "No score was computed."
    text = f"Score: {_value(closing['score'])}"
    if closing["complete"] is False:
        text += " (incomplete: some items could not be checked)"
    return text + "."


def _count(number: int, noun: str) -> str:
    if number == 1:
        return f"{number} {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {plural}"


def _items_phrase(items: list[str]) -> str:
    return f"item {items[0]}" if len(items) == 1 else f"items {', '.join(items)}"
