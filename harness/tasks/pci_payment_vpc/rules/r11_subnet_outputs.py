"""Item 11: the outputs give every public and private subnet ID."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import count, result, vpc_evidence
from harness.taxonomy import RuleContext


class SubnetOutputs:
    item_id = "11"
    slug = "subnet-outputs"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        subnets = model.public_subnets + model.private_subnets
        expected = f"outputs giving all {count(len(subnets), 'subnet ID')}"
        in_outputs = [s for s in subnets if any(o.names(s.key) for o in model.outputs)]
        missing = [s for s in subnets if s not in in_outputs]
        actual = f"outputs give {len(in_outputs)} of {count(len(subnets), 'subnet ID')}"
        if subnets and not missing:
            return result(self.item_id, True, expected, actual)
        evidence = [
            model.evidence(s.key, f"{s.tier} subnet ID not in any output")
            for s in missing
        ]
        if not subnets:
            evidence = vpc_evidence(model, "no subnet")
        return result(self.item_id, False, expected, actual, evidence)


RULE = SubnetOutputs()
