"""Item 7: the custom network ACL has allow entries for 443, 3306 and 6379.

The entry that allows the ephemeral range 1024-65535 for return traffic also
matches 3306 and 6379, so it does not count as a service-port entry: counting
it would hide a missing service rule behind the return-traffic rule.
"""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    EPHEMERAL_PORTS,
    SERVICE_PORTS,
    checked_nacls,
    direction,
    listing,
    result,
    vpc_evidence,
)
from harness.taxonomy import RuleContext
from harness.template import Nacl
from harness.template._nacl import ALL_PROTOCOLS


class NaclServicePorts:
    item_id = "7"
    slug = "nacl-service-ports"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = f"TCP {listing(SERVICE_PORTS)} allowed inbound and outbound"
        nacls = checked_nacls(model)
        if not nacls:
            evidence = vpc_evidence(model, "no custom network ACL")
            return result(
                self.item_id, False, expected, "no custom network ACL", evidence
            )
        gaps = {nacl.key: _missing(nacl) for nacl in nacls}
        if not any(gaps.values()):
            actual = f"TCP {listing(SERVICE_PORTS)} allowed both ways"
            return result(self.item_id, True, expected, actual)
        actual = "; ".join(
            f"{key[1]} lacks {', '.join(missing)}"
            for key, missing in sorted(gaps.items())
            if missing
        )
        evidence = [
            model.evidence(key, "lacks " + ", ".join(missing))
            for key, missing in sorted(gaps.items())
            if missing
        ]
        return result(self.item_id, False, expected, actual, evidence)


def _missing(nacl: Nacl) -> list[str]:
    missing = []
    for egress in (False, True):
        for port in SERVICE_PORTS:
            entries = [
                entry
                for entry in nacl.allowing_entries(port, egress)
                if entry.protocol != ALL_PROTOCOLS
                and not entry.covers_range(*EPHEMERAL_PORTS)
            ]
            if not entries:
                missing.append(f"{direction(egress)} {port}")
    return missing


RULE = NaclServicePorts()
