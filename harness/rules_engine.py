"""Run a task's rules on one response and return one finding per taxonomy item.

Contract:

- A rule that raises, returns something other than a `Finding`, or names
  another item becomes an `error` finding for its item. A harness error is
  never scored as a model failure, so one broken rule cannot fail a response.
- Template rules (scope "template" and "resynth") need a successful synthesis.
  When the response produced no templates, they are not run: by default each
  gets `not_applicable` with a message naming the synthesis error, so the
  score covers only the project rules and the evaluation's outcome
  (`model_error`) carries the failure. With `on_synth_failure="fail"` they
  fail instead, with actual "the response did not synthesize".
- Project rules (scope "project") read the response's files and run either way.
- A finding keeps a `consequence_of` root only when the root item failed too;
  the rule decides whether its failure follows from the root.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Literal

from harness.findings import Finding, Status
from harness.taxonomy import Item, RuleContext, Task

logger = logging.getLogger(__name__)

SynthFailurePolicy = Literal["not_applicable", "fail"]
NO_SYNTH_ACTUAL = "the response did not synthesize"


def run_rules(
    task: Task,
    ctx: RuleContext,
    *,
    on_synth_failure: SynthFailurePolicy = "not_applicable",
) -> list[Finding]:
    """Return the findings of every item of `task`, in taxonomy order."""
    if on_synth_failure not in ("not_applicable", "fail"):
        raise ValueError(
            f"invalid on_synth_failure {on_synth_failure!r}: "
            "use 'not_applicable' or 'fail'"
        )
    synthesized = ctx.synth.ok
    findings = []
    for item in task.items:
        if item.scope != "project" and not synthesized:
            findings.append(_unsynthesized(item, ctx, on_synth_failure))
        else:
            findings.append(run_rule(task, item, ctx))
    return link_consequences(findings)


def run_rule(task: Task, item: Item, ctx: RuleContext) -> Finding:
    """Run the rule of one item; any exception becomes an `error` finding."""
    rule = task.rules.get(item.id)
    if rule is None:
        return Finding(item.id, Status.ERROR, message=f"no rule for item {item.id}")
    try:
        finding = rule.check(ctx)
    except Exception as exc:
        logger.exception("rule for item %s (%s) raised", item.id, item.slug)
        return Finding(
            item.id,
            Status.ERROR,
            message=f"rule {item.slug} raised {type(exc).__name__}: {exc}",
        )
    if not isinstance(finding, Finding) or finding.item != item.id:
        logger.error("rule for item %s returned %r", item.id, finding)
        return Finding(
            item.id,
            Status.ERROR,
            message=f"rule {item.slug} returned an invalid finding: {finding!r:.200}",
        )
    return finding


def link_consequences(findings: list[Finding]) -> list[Finding]:
    """Drop each `consequence_of` root that did not fail itself."""
    failed = {f.item for f in findings if f.status is Status.FAIL}
    linked = []
    for finding in findings:
        roots = tuple(root for root in finding.consequence_of if root in failed)
        if finding.status is not Status.FAIL:
            roots = ()
        linked.append(replace(finding, consequence_of=roots))
    return linked


def _unsynthesized(item: Item, ctx: RuleContext, policy: SynthFailurePolicy) -> Finding:
    error = ctx.synth.error
    reason = f"{error.error_class.value}: {error.message}" if error else "no templates"
    if policy == "fail":
        return Finding(
            item.id,
            Status.FAIL,
            expected=item.requirement,
            actual=NO_SYNTH_ACTUAL,
            message=reason,
        )
    return Finding(
        item.id,
        Status.NOT_APPLICABLE,
        message=f"not checked, the response did not synthesize ({reason})",
    )
