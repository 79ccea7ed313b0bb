"""Item 8: the custom network ACL allows TCP 1024-65535 in both directions."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    EPHEMERAL_PORTS,
    checked_nacls,
    direction,
    result,
    vpc_evidence,
)
from harness.taxonomy import RuleContext

LOW, HIGH = EPHEMERAL_PORTS


class NaclEphemeralPorts:
    item_id = "8"
    slug = "nacl-ephemeral-ports"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = f"TCP {LOW}-{HIGH} allowed inbound and outbound"
        nacls = checked_nacls(model)
        if not nacls:
            evidence = vpc_evidence(model, "no custom network ACL")
            return result(
                self.item_id, False, expected, "no custom network ACL", evidence
            )
        gaps = {
            nacl.key: [
                direction(egress)
                for egress in (False, True)
                if not nacl.allows_range(LOW, HIGH, egress)
            ]
            for nacl in nacls
        }
        if not any(gaps.values()):
            return result(
                self.item_id, True, expected, f"TCP {LOW}-{HIGH} allowed both ways"
            )
        failing = sorted((key, dirs) for key, dirs in gaps.items() if dirs)
        actual = "; ".join(
            f"{key[1]} does not allow {LOW}-{HIGH} {' or '.join(dirs)}"
            for key, dirs in failing
        )
        evidence = [
            model.evidence(key, f"{LOW}-{HIGH} not allowed {' or '.join(dirs)}")
            for key, dirs in failing
        ]
        return result(self.item_id, False, expected, actual, evidence)


RULE = NaclEphemeralPorts()
