"""Item 9: deny-all entries in both directions, numbered after every allow."""

from __future__ import annotations

from harness.findings import Finding
from harness.tasks.pci_payment_vpc._checks import (
    checked_nacls,
    direction,
    result,
    vpc_evidence,
)
from harness.taxonomy import RuleContext
from harness.template import Nacl
from harness.template._nacl import ALL_PROTOCOLS

ANYWHERE = "0.0.0.0/0"


class NaclExplicitDeny:
    item_id = "9"
    slug = "nacl-explicit-deny"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = (
            "a deny entry for all protocols from 0.0.0.0/0 inbound and outbound, "
            "numbered after every allow entry"
        )
        nacls = checked_nacls(model)
        if not nacls:
            evidence = vpc_evidence(model, "no custom network ACL")
            return result(
                self.item_id, False, expected, "no custom network ACL", evidence
            )
        gaps = {nacl.key: _problems(nacl) for nacl in nacls}
        if not any(gaps.values()):
            return result(
                self.item_id, True, expected, "deny-all entries close both directions"
            )
        failing = sorted((key, found) for key, found in gaps.items() if found)
        actual = "; ".join(f"{key[1]}: {', '.join(found)}" for key, found in failing)
        evidence = [model.evidence(key, ", ".join(found)) for key, found in failing]
        return result(self.item_id, False, expected, actual, evidence)


def _problems(nacl: Nacl) -> list[str]:
    found = []
    for egress in (False, True):
        entries = nacl.entries_for(egress)
        allows = [e for e in entries if e.allows]
        denies = [
            e
            for e in entries
            if not e.allows
            and e.protocol == ALL_PROTOCOLS
            and e.contains_cidr(ANYWHERE)
        ]
        last_allow = max((e.rule_number or 0 for e in allows), default=0)
        if not denies:
            found.append(f"no {direction(egress)} deny-all entry")
        elif max(e.rule_number or 0 for e in denies) <= last_allow:
            found.append(
                f"{direction(egress)} deny-all entry before allow #{last_allow}"
            )
        if any(
            e.protocol == ALL_PROTOCOLS and e.contains_cidr(ANYWHERE) for e in allows
        ):
            found.append(f"{direction(egress)} allow-all entry")
    return found


RULE = NaclExplicitDeny()
