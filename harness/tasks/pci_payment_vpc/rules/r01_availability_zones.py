"""Item 1: the subnets span three AZs, with both tiers in each of them."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    REQUIRED_AZS,
    count,
    listing,
    result,
    vpc_evidence,
)
from harness.taxonomy import RuleContext


class AvailabilityZones:
    item_id = "1"
    slug = "availability-zones"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = (
            f"subnets in {REQUIRED_AZS} AZs, a public and a private subnet in each"
        )
        public = {s.az for s in model.public_subnets if isinstance(s.az, str)}
        private = {s.az for s in model.private_subnets if isinstance(s.az, str)}
        unresolved = [s for s in model.subnets if not isinstance(s.az, str)]
        both = public & private
        actual = (
            f"{count(len(model.subnets), 'subnet')} in "
            f"{count(len(public | private), 'AZ')} ({listing(public | private)}); "
            f"public subnets in {listing(public)}, private subnets in "
            f"{listing(private)}"
        )
        if unresolved:
            actual += f"; {count(len(unresolved), 'subnet')} with an unresolved AZ"
        passed = len(both) >= REQUIRED_AZS
        note = f"subnets in {count(len(both), 'AZ')} with both tiers, {REQUIRED_AZS} expected"
        evidence = [] if passed else vpc_evidence(model, note)
        evidence += [
            model.evidence(s.key, "AZ not resolvable") for s in unresolved if not passed
        ]
        return result(self.item_id, passed, expected, actual, evidence)


RULE = AvailabilityZones()
