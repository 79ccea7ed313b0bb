"""Item 13: an output gives the name of the flow logs' log group."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    flow_log_groups,
    result,
    vpc_evidence,
    vpc_flow_logs,
)
from harness.taxonomy import RuleContext
from harness.template import LogGroup, Output


class FlowLogGroupOutput:
    item_id = "13"
    slug = "flow-log-group-output"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = "an output giving the flow log group's name"
        groups = flow_log_groups(model)
        if not groups:
            flows = vpc_flow_logs(model)
            note = "no log group of the template receives the flow logs"
            evidence = [model.evidence(f.key, note) for f in flows] or vpc_evidence(
                model, note
            )
            return result(self.item_id, False, expected, note, evidence, ("10",))
        for group in groups:
            for output in model.outputs:
                if _gives_name(output, group):
                    actual = f"output {output.name} gives {group.logical_id}"
                    return result(self.item_id, True, expected, actual)
        evidence = [model.evidence(g.key, "name not in any output") for g in groups]
        return result(
            self.item_id,
            False,
            expected,
            "no output gives the flow log group name",
            evidence,
        )


def _gives_name(output: Output, group: LogGroup) -> bool:
    """Tell whether an output's value is the group's `Ref` (its name) or its name."""
    if output.names(group.key):
        return True
    return isinstance(group.name, str) and output.value == group.name


RULE = FlowLogGroupOutput()
