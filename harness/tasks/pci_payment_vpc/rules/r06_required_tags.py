"""Item 6: the VPC, subnets and custom network ACLs carry the required tags."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import REQUIRED_TAGS, count, result
from harness.taxonomy import RuleContext


class RequiredTags:
    item_id = "6"
    slug = "required-tags"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        required = " and ".join(f"{k}={v}" for k, v in REQUIRED_TAGS.items())
        keys = (
            [v.key for v in model.vpcs]
            + [s.key for s in model.subnets]
            + [n.key for n in model.nacls]
        )
        expected = (
            f"{count(len(model.vpcs), 'VPC')}, {count(len(model.subnets), 'subnet')} "
            f"and {count(len(model.nacls), 'network ACL')} tagged {required}"
        )
        lacking = {}
        for key in keys:
            tags = model.tags(key)
            missing = [f"{k}={v}" for k, v in REQUIRED_TAGS.items() if tags.get(k) != v]
            if missing:
                lacking[key] = missing
        actual = f"{len(lacking)} of {count(len(keys), 'resource')} lack a required tag"
        if keys and not lacking:
            return result(self.item_id, True, expected, actual)
        if not keys:
            actual = "no VPC, subnet or network ACL to tag"
        evidence = [
            model.evidence(key, "missing " + ", ".join(missing))
            for key, missing in sorted(lacking.items())
        ]
        return result(self.item_id, False, expected, actual, evidence)


RULE = RequiredTags()
