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
from harness.template import render

DAYS = FLOW_LOG_RETENTION_DAYS


class FlowLogRetention:
    item_id = "10"
    slug = "flow-log-retention"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = f"the flow logs' log group defined in the template with {DAYS}-day retention"
        flows = vpc_flow_logs(model) or model.flow_logs
        if not flows:
            evidence = vpc_evidence(model, "no flow log, so no flow log group")
            return result(
                self.item_id,
                False,
                expected,
                "no flow log and no log group for it",
                evidence,
            )
        outside = [f for f in flows if f.log_group is None]
        if outside:
            names = ", ".join(render(f.log_group_name) for f in outside)
            actual = f"flow logs deliver to a log group the template does not define ({names})"
            evidence = [
                model.evidence(
                    f.key, f"log group {render(f.log_group_name)} not in the template"
                )
                for f in outside
            ]
            return result(self.item_id, False, expected, actual, evidence)
        groups = flow_log_groups(model) or [
            g for g in model.log_groups if g.key in {f.log_group for f in flows}
        ]
        wrong = [g for g in groups if g.retention_days != DAYS]
        actual = ", ".join(
            f"{g.logical_id}: {_retention(g.retention_days)}" for g in groups
        )
        if not wrong:
            return result(self.item_id, True, expected, actual)
        evidence = [model.evidence(g.key, _retention(g.retention_days)) for g in wrong]
        return result(self.item_id, False, expected, actual, evidence)


def _retention(days: int | None) -> str:
    return (
        "no retention (logs never expire)" if days is None else f"retention {days} days"
    )


RULE = FlowLogRetention()
