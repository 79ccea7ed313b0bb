"""Item 14: every output has an export name, and one gives the VPC CIDR."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import count, result, vpc_evidence
from harness.taxonomy import RuleContext
from harness.template import AttrRef, TemplateModel, Vpc, render


class OutputExports:
    item_id = "14"
    slug = "output-exports"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = "an export name on every output, and an output giving the VPC CIDR"
        outputs = model.outputs
        if not outputs:
            evidence = vpc_evidence(model, "no outputs")
            return result(self.item_id, False, expected, "no outputs", evidence)
        unexported = [o for o in outputs if not render(o.export_name or "").strip()]
        cidr_missing = [v for v in model.vpcs if not _cidr_output(model, v)]
        actual = (
            f"{len(outputs) - len(unexported)} of {count(len(outputs), 'output')} "
            f"exported; VPC CIDR output {'missing' if cidr_missing else 'present'}"
        )
        if not unexported and not cidr_missing:
            return result(self.item_id, True, expected, actual)
        evidence = [model.evidence(o.key, "no export name") for o in unexported]
        evidence += [
            model.evidence(v.key, "CidrBlock not in any output") for v in cidr_missing
        ]
        return result(self.item_id, False, expected, actual, evidence)


def _cidr_output(model: TemplateModel, vpc: Vpc) -> bool:
    for output in model.outputs:
        value = output.value
        if (
            isinstance(value, AttrRef)
            and value.key == vpc.key
            and value.attribute == "CidrBlock"
        ):
            return True
        if isinstance(vpc.cidr, str) and model.follow(value) == vpc.cidr:
            return True
    return False


RULE = OutputExports()
