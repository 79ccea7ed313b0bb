"""Deployability checks: cfn-lint plus documented AWS constraints it misses.

`check_deployability` lints every stack's template with cfn-lint and runs the
API-constraint checks of this package; both report `DeployFinding`s.
"""

from __future__ import annotations

import logging
import time

from cfnlint.helpers import REGIONS

from harness._project import Project
from harness._synth_result import Stack
from harness.deploy import _limits, _names, _network
from harness.deploy._cfnlint import CDK_NOISE_RULES, is_cdk_template, lint_stack
from harness.deploy._lines import Locator
from harness.deploy._view import Constraint, TemplateView, Violation
from harness.errors import ConfigError
from harness.findings import DeployFinding

logger = logging.getLogger(__name__)

API_CONSTRAINT = "api-constraint"

CONSTRAINTS: list[Constraint] = [
    *_network.CONSTRAINTS,
    *_names.CONSTRAINTS,
    *_limits.CONSTRAINTS,
]

__all__ = [
    "API_CONSTRAINT",
    "CDK_NOISE_RULES",
    "CONSTRAINTS",
    "Constraint",
    "check_constraints",
    "check_deployability",
    "is_cdk_template",
    "lint_stack",
]


def check_deployability(
    stacks: list[Stack], region: str, project: Project | None = None
) -> list[DeployFinding]:
    """Return cfn-lint and API-constraint findings for every stack, in stack order.

    With the response's `project`, findings on a CloudFormation response cite
    the exact lines of its template file. Raises ConfigError when cfn-lint
    does not know `region`.
    """
    _check_region(region)
    findings: list[DeployFinding] = []
    for stack in stacks:
        source_text = _source_text(stack, project)
        started = time.perf_counter()
        findings += lint_stack(stack, region, source_text)
        linted = time.perf_counter()
        findings += check_constraints(stack, region, source_text)
        logger.debug(
            "stack %s: cfn-lint %.3f s, constraints %.3f s",
            stack.name,
            linted - started,
            time.perf_counter() - linted,
        )
    return findings


def _source_text(stack: Stack, project: Project | None) -> str | None:
    """Return the response's own text of the stack's template, if it has one."""
    if project is None or stack.template_file.endswith(".template.json"):
        return None
    source = project.files.get(stack.template_file)
    return source.text if source is not None else None


def _check_region(region: str) -> None:
    if region not in REGIONS:
        raise ConfigError(
            f"invalid region {region!r}: cfn-lint has no data for it; use one of "
            f"{', '.join(sorted(REGIONS))}"
        )


def check_constraints(
    stack: Stack, region: str, source_text: str | None = None
) -> list[DeployFinding]:
    """Run every API-constraint check on one stack's template."""
    view = TemplateView(stack, region)
    locator = Locator(stack, source_text)
    findings = []
    for constraint in CONSTRAINTS:
        try:
            violations = list(constraint.check(view))
        except Exception as exc:  # one broken check must not hide the others
            logger.exception("check %s failed on stack %s", constraint.id, stack.name)
            findings.append(_check_failed(constraint, stack, exc))
            continue
        for violation in violations:
            line = locator.line(violation.logical_id, violation.property_path)
            findings.append(_finding(constraint, violation, stack, line))
    return findings


def _check_failed(
    constraint: Constraint, stack: Stack, exc: Exception
) -> DeployFinding:
    """Record a check that raised: level info, so it never lowers a score."""
    return DeployFinding(
        source=API_CONSTRAINT,
        rule=constraint.id,
        level="info",
        message=(
            f"the harness could not run this check ({type(exc).__name__}: {exc}); "
            "its result is unknown"
        ),
        stack=stack.name,
        extra={"harness_error": True, "doc_url": constraint.doc_url},
    )


def _finding(
    constraint: Constraint, violation: Violation, stack: Stack, line: int | None
) -> DeployFinding:
    return DeployFinding(
        source=API_CONSTRAINT,
        rule=constraint.id,
        level=constraint.level,
        message=violation.message,
        stack=stack.name,
        logical_id=violation.logical_id,
        property_path=violation.property_path,
        template_line=line,
        extra={"doc_url": constraint.doc_url, "title": constraint.title},
    )
