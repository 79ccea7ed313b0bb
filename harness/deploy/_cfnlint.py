"""Run cfn-lint on a stack's template and map its matches to DeployFindings.

The template is linted as JSON with one-space indentation, the form in which
the CDK writes `<stack>.template.json`, so a match's line is a line of that file.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from cfnlint.api import ManualArgs, lint
from cfnlint.decode.decode import decode_str
from cfnlint.rules import Match

from harness._synth_result import Stack
from harness.cfn._intrinsics import section
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


def render(template: dict[str, Any]) -> str:
    """Return the template as the CDK writes it (JSON, one-space indentation)."""
    return json.dumps(template, indent=1)


def lint_stack(stack: Stack, region: str) -> list[DeployFinding]:
    """Return one DeployFinding per cfn-lint match on the stack's template.

    If cfn-lint itself raises, the result is one level-info finding that
    reports it, because a crash of the linter is no fault of the response.
    """
    try:
        matches = lint(render(stack.template), config=ManualArgs(regions=[region]))
    except Exception as exc:  # a cfn-lint bug must not end the evaluation
        logger.exception("cfn-lint failed on stack %s", stack.name)
        return [_lint_failed(stack, exc)]
    cdk = is_cdk_template(stack)
    return [_finding(match, stack, cdk) for match in matches]


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


def _finding(match: Match, stack: Stack, cdk: bool) -> DeployFinding:
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
    return DeployFinding(
        source=SOURCE,
        rule=rule_id,
        level=level,
        message=match.message,
        stack=stack.name,
        logical_id=logical_id,
        property_path=_property_path(path),
        template_line=template_line(stack, logical_id, match.linenumber),
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


def template_line(stack: Stack, logical_id: str | None, line: int | None) -> int | None:
    """Return the line of `template_file` that a finding refers to, if known.

    A CDK template file is the JSON rendering that was linted, so `line`
    applies to it. For a template written by hand, `template_file` is the
    response's own file and only the line where the resource starts is known.
    """
    if stack.template_file.endswith(".template.json"):
        return line
    if logical_id is not None and not stack.construct_paths:
        site = stack.sites.get(logical_id)
        return site.line if site is not None else None
    return None


_SEGMENT = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


class Locator:
    """Find the `template_file` line of a resource property of one stack."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._decoded: Any = None

    def line(self, logical_id: str | None, property_path: str | None) -> int | None:
        """Return the line of the property (or the resource), None when unknown."""
        if not self.stack.template_file.endswith(".template.json"):
            return template_line(self.stack, logical_id, None)
        if self._decoded is None:
            self._decoded, _ = decode_str(render(self.stack.template))
        path: list[str | int] = ["Resources", logical_id] if logical_id else []
        path += _segments(property_path)
        return _find_line(self._decoded, path)


def _segments(property_path: str | None) -> list[str | int]:
    if not property_path:
        return []
    return [
        int(index) if index else key for index, key in _SEGMENT.findall(property_path)
    ]


def _find_line(node: Any, path: list[str | int]) -> int | None:
    """Return the 1-based line of the deepest path element found in `node`."""
    line = None
    for segment in path:
        if isinstance(segment, int) and isinstance(node, list) and segment < len(node):
            node = node[segment]
            mark = getattr(node, "start_mark", None)
        elif isinstance(segment, str) and isinstance(node, dict):
            key = next((k for k in node if k == segment), None)
            if key is None:
                break
            mark = getattr(key, "start_mark", None)
            node = node[key]
        else:
            break
        if mark is not None:
            line = mark.line + 1
    return line
