"""Item 5: a custom network ACL associated with every private subnet."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import count, result, vpc_evidence
from harness.taxonomy import RuleContext


class NaclPrivateAssociation:
    item_id = "5"
    slug = "nacl-private-association"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        private = model.private_subnets
        expected = f"a custom network ACL associated with all {count(len(private), 'private subnet')}"
        associated = {subnet for nacl in model.nacls for subnet in nacl.subnets}
        uncovered = [s for s in private if s.key not in associated]
        private_keys = {s.key for s in private}
        idle = [n for n in model.nacls if not private_keys & set(n.subnets)]
        actual = (
            f"{count(len(model.nacls), 'custom network ACL')}; "
            f"{len(private) - len(uncovered)} of {count(len(private), 'private subnet')} "
            "associated with one"
        )
        if private and not uncovered:
            return result(self.item_id, True, expected, actual)
        if not model.nacls:
            evidence = vpc_evidence(model, "no custom network ACL")
        else:
            evidence = [
                model.evidence(n.key, "not associated with any private subnet")
                for n in idle
            ]
        if not private:
            evidence += vpc_evidence(model, "no private subnet")
        evidence += [
            model.evidence(s.key, "uses the default network ACL") for s in uncovered
        ]
        return result(self.item_id, False, expected, actual, evidence)


RULE = NaclPrivateAssociation()
