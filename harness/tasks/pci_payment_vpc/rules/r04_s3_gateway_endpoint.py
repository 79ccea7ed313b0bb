"""Item 4: an S3 gateway endpoint on the route table of every private subnet."""

from __future__ import annotations

from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import (
    count,
    result,
    s3_endpoints,
    vpc_evidence,
)
from harness.taxonomy import RuleContext


class S3GatewayEndpoint:
    item_id = "4"
    slug = "s3-gateway-endpoint"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        private = model.private_subnets
        expected = (
            f"an S3 endpoint of type Gateway on the route tables of all "
            f"{count(len(private), 'private subnet')}"
        )

        endpoints = s3_endpoints(model)
        if not endpoints:
            actual = (
                f"no S3 endpoint ({count(len(model.endpoints), 'VPC endpoint')} in all)"
            )
            absent = vpc_evidence(model, "no S3 gateway endpoint")
            return result(self.item_id, False, expected, actual, absent)

        gateways = [e for e in endpoints if e.type == "Gateway"]
        if not gateways:
            actual = f"S3 endpoint of type {endpoints[0].type}, not Gateway"
            wrong = [model.evidence(e.key, f"type {e.type}") for e in endpoints]
            return result(self.item_id, False, expected, actual, wrong)

        best = max(
            gateways,
            key=lambda e: sum(s.route_table in e.route_tables for s in private),
        )
        missing = [s for s in private if s.route_table not in best.route_tables]
        actual = (
            f"S3 gateway endpoint on the route tables of "
            f"{len(private) - len(missing)} of {count(len(private), 'private subnet')}"
        )
        if not missing:
            return result(self.item_id, True, expected, actual)

        evidence: list[Evidence] = [
            model.evidence(
                best.key, f"misses {count(len(missing), 'private route table')}"
            )
        ]
        for subnet in missing:
            note = "route table not on the S3 endpoint"
            if subnet.route_table is None:
                note = "no route table of its own (uses the main route table)"
            evidence.append(model.evidence(subnet.key, note))
        return result(self.item_id, False, expected, actual, evidence)


RULE = S3GatewayEndpoint()
