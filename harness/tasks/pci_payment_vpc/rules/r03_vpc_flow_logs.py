"""Item 3: a VPC flow log of ALL traffic to a log group of this template."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    FLOW_LOG_ACTIONS,
    FLOW_LOGS_SERVICE,
    count,
    result,
    vpc_evidence,
    vpc_flow_logs,
)
from harness.taxonomy import RuleContext
from harness.template import FlowLog, TemplateModel, render

MISSING_GROUP = "its log group is not a resource of the template"


class VpcFlowLogs:
    item_id = "3"
    slug = "vpc-flow-logs"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = (
            "a flow log on the VPC with TrafficType ALL to a CloudWatch Logs group "
            "of the template, through a role that may write to it"
        )
        flows = vpc_flow_logs(model)
        if not flows:
            actual = (
                f"no flow log on the VPC ({count(len(model.flow_logs), 'flow log')} "
                "in all)"
            )
            evidence = vpc_evidence(model, "no flow log")
            # With no log group either, the flow log had nothing to write to.
            roots = () if model.log_groups else ("10",)
            return result(self.item_id, False, expected, actual, evidence, roots)
        problems = {flow.key: _problems(model, flow) for flow in flows}
        if any(not found for found in problems.values()):
            actual = f"{count(len(flows), 'flow log')} on the VPC, traffic ALL to a log group"
            return result(self.item_id, True, expected, actual)
        actual = "; ".join(
            f"{key[1]}: {', '.join(found)}" for key, found in sorted(problems.items())
        )
        evidence = [
            model.evidence(key, ", ".join(found))
            for key, found in sorted(problems.items())
        ]
        follows_10 = all(MISSING_GROUP in found for found in problems.values())
        return result(
            self.item_id,
            False,
            expected,
            actual,
            evidence,
            ("10",) if follows_10 else (),
        )


def _problems(model: TemplateModel, flow: FlowLog) -> list[str]:
    found = []
    if render(flow.traffic_type) != "ALL":
        found.append(f"TrafficType is {render(flow.traffic_type)}")
    if flow.destination_type != "cloud-watch-logs":
        found.append(f"destination type is {flow.destination_type}")
    elif flow.log_group is None:
        found.append(MISSING_GROUP)
    role = model.iam_role(flow.role)
    if role is None:
        found.append("no IAM role of the template delivers the logs")
    elif FLOW_LOGS_SERVICE not in role.trusted_services:
        found.append(f"role {role.logical_id} does not trust {FLOW_LOGS_SERVICE}")
    else:
        denied = [action for action in FLOW_LOG_ACTIONS if not role.allows(action)]
        if denied:
            found.append(f"role {role.logical_id} may not {' or '.join(denied)}")
    return found


RULE = VpcFlowLogs()
