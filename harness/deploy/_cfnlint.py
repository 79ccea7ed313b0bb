"""Run cfn-lint on a stack's template and map its matches to DeployFindings.

The template is linted as JSON with one-space indentation, the form in which
the CDK writes `<stack>.template.json`, so a match's line is a line of that
file. For a CloudFormation response the line is looked up in the response's
own template text instead (see `_lines`).
"""

from __future__ import annotations

import logging
from typing import Any

from cfnlint.api import ManualArgs, lint
from cfnlint.rules import Match

from harness._synth_result import Stack
from harness.cfn._intrinsics import section
from harness.deploy._lines import Locator, render
from harness.findings import DeployFinding

logger = logging.getLogger(__name__)

SOURCE = "cfn-lint"

# Rules whose matches on CDK-synthesized templates come from the CDK, not from
# the response, so they are reported at level "info". On a CloudFormation
# template written by hand the same rule keeps cfn-lint's level.
CDK_NOISE_RULES = {
    # The CDK writes each subnet's AZ as a literal name taken from its
    # `availability-zones` context, so every subnet matches "avoid hard-coding
    # availability zones" even when the app never names an AZ. cfn-lint 1.58
    # skips W3010 itself when a resource has `aws:cdk:path` metadata or a
    # CDKMetadata resource exists, but an app run without the CDK CLI writes
    # neither unless its context turns them on.
    "W3010": "the CDK writes literal availability zone names for every subnet",
}

_LEVELS = {"error": "error", "warning": "warning", "informational": "info"}


def lint_stack(
    stack: Stack, region: str, source_text: str | None = None
) -> list[DeployFinding]:
    """Return one DeployFinding per cfn-lint match on the stack's template.

    `source_text` is the response's own template text, when the stack comes
    from one; findings then cite its lines. If cfn-lint itself raises, the
    result is one level-info finding that reports it, because a crash of the
    linter is no fault of the response.
    """
    try:
        matches = lint(render(stack.template), config=ManualArgs(regions=[region]))
    except Exception as exc:  # a cfn-lint bug must not end the evaluation
        logger.exception("cfn-lint failed on stack %s", stack.name)
        return [_lint_failed(stack, exc)]
    cdk = is_cdk_template(stack)
    locator = Locator(stack, source_text)
    return [_finding(match, stack, cdk, locator) for match in matches]


def _lint_failed(stack: Stack, exc: Exception) -> DeployFinding:
    return DeployFinding(
        source=SOURCE,
        rule="cfn-lint-failed",
        level="info",
        message=f"cfn-lint raised {type(exc).__name__}: {exc}; its result is unknown",
        stack=stack.name,
        extra={"harness_error": True},
    )


def is_cdk_template(stack: Stack) -> bool:
    """Return True when the CDK wrote this template.

    Signs: construct paths from the synthesis, the bootstrap-version parameter
    of the CDK's default synthesizer, a CDKMetadata resource, or
    `aws:cdk:path` resource metadata.
    """
    if stack.construct_paths:
        return True
    for parameter in section(stack.template, "Parameters").values():
        default = parameter.get("Default") if isinstance(parameter, dict) else None
        if isinstance(default, str) and default.startswith("/cdk-bootstrap/"):
            return True
    resources = section(stack.template, "Resources")
    return any(_cdk_resource(resource) for resource in resources.values())


def _cdk_resource(resource: Any) -> bool:
    if not isinstance(resource, dict):
        return False
    if resource.get("Type") == "AWS::CDK::Metadata":
        return True
    metadata = resource.get("Metadata")
    return isinstance(metadata, dict) and "aws:cdk:path" in metadata


def _finding(match: Match, stack: Stack, cdk: bool, locator: Locator) -> DeployFinding:
    rule_id = match.rule.id
    level = _LEVELS.get(str(match.rule.severity).lower(), "warning")
    extra: dict[str, Any] = {}
    if getattr(match.rule, "source_url", None):
        extra["doc_url"] = match.rule.source_url
    if cdk and rule_id in CDK_NOISE_RULES:
        extra["original_level"] = level
        extra["noise"] = CDK_NOISE_RULES[rule_id]
        level = "info"
    # Matches from template decoding carry no path.
    path = list(getattr(match, "path", None) or [])
    logical_id = str(path[1]) if len(path) > 1 and path[0] == "Resources" else None
    property_path = _property_path(path)
    line = locator.line(logical_id, property_path) if path else None
    if line is None and locator.lints_rendering:
        line = match.linenumber
    return DeployFinding(
        source=SOURCE,
        rule=rule_id,
        level=level,
        message=match.message,
        stack=stack.name,
        logical_id=logical_id,
        property_path=property_path,
        template_line=line,
        extra=extra,
    )


def _property_path(path: list[str | int]) -> str | None:
    """Return the path below the resource, e.g. `Properties.Tags[0].Value`.

    Matches outside Resources keep their full path (`Outputs.VpcId.Export`).
    """
    if path[:1] == ["Resources"]:
        path = path[2:]
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or None
