"""Item 10: the flow logs' log group is in the template and keeps logs 7 days."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    FLOW_LOG_RETENTION_DAYS,
    flow_log_groups,
    result,
    vpc_evidence,
    vpc_flow_logs,
)
from harness.taxonomy import RuleContext
from harness.template import FlowLog, render

DAYS = FLOW_LOG_RETENTION_DAYS


class FlowLogRetention:
    item_id = "10"
    slug = "flow-log-retention"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = (
            f"the flow logs' log group defined in the template with {DAYS}-day "
            "retention"
        )
        flows = vpc_flow_logs(model)
        outside = [f for f in flows if f.log_group is None]
        if outside:
            actual = "flow logs deliver to no log group of the template"
            evidence = [model.evidence(f.key, _destination(f)) for f in outside]
            return result(self.item_id, False, expected, actual, evidence)
        groups = flow_log_groups(model)
        if not groups:
            actual = "no flow log and no log group for it"
            evidence = vpc_evidence(model, "no log group for flow logs")
            return result(self.item_id, False, expected, actual, evidence)
        matching = [g for g in groups if g.retention_days == DAYS]
        actual = ", ".join(
            f"{g.logical_id}: {_retention(g.retention_days)}" for g in groups
        )
        # Without a flow log, any group of the template may be the one meant
        # for it, so one group with the right retention is enough.
        passed = len(matching) == len(groups) if flows else bool(matching)
        if passed:
            return result(self.item_id, True, expected, actual)
        wrong = [g for g in groups if g not in matching]
        evidence = [model.evidence(g.key, _retention(g.retention_days)) for g in wrong]
        return result(self.item_id, False, expected, actual, evidence)


def _destination(flow: FlowLog) -> str:
    if flow.destination_type != "cloud-watch-logs":
        return f"delivers to {flow.destination_type}, not to a log group"
    return f"log group {render(flow.log_group_name)} not in the template"


def _retention(days: int | None) -> str:
    if days is None:
        return "no retention (logs never expire)"
    return f"retention {days} days"


RULE = FlowLogRetention()
