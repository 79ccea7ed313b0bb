"""Item 2: one NAT gateway per AZ, each private subnet routed to its AZ's NAT."""

from __future__ import annotations

from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import (
    REQUIRED_AZS,
    count,
    listing,
    result,
    vpc_evidence,
)
from harness.taxonomy import RuleContext
from harness.template import Subnet, TemplateModel


class NatGatewayPerAz:
    item_id = "2"
    slug = "nat-gateway-per-az"

    def check(self, ctx: RuleContext) -> Finding:
        model = ctx.model
        expected = (
            f"{REQUIRED_AZS} NAT gateways in public subnets, one per AZ; each "
            "private subnet routes 0.0.0.0/0 to the NAT gateway in its AZ"
        )
        public_keys = {s.key for s in model.public_subnets}
        placed = [n for n in model.nat_gateways if n.subnet in public_keys]
        misplaced = [n for n in model.nat_gateways if n.subnet not in public_keys]
        nat_azs = {n.az for n in placed if isinstance(n.az, str)}
        unrouted = [s for s in model.private_subnets if _route_problem(model, s)]
        actual = (
            f"{count(len(model.nat_gateways), 'NAT gateway')} "
            f"({count(len(placed), 'in a public subnet', 'in public subnets')}) "
            f"in {listing(nat_azs)}; {len(unrouted)} of "
            f"{count(len(model.private_subnets), 'private subnet')} "
            "without a route to a NAT gateway in its AZ"
        )
        passed = len(nat_azs) >= REQUIRED_AZS and not misplaced and not unrouted
        if passed:
            return result(self.item_id, True, expected, actual)
        evidence: list[Evidence] = []
        for nat in misplaced:
            evidence.append(
                model.evidence(nat.key, "NAT gateway not in a public subnet")
            )
        if len(nat_azs) < REQUIRED_AZS:
            note = f"NAT gateways in {count(len(nat_azs), 'AZ')} only"
            evidence += [model.evidence(n.key, note) for n in placed]
            if not placed:
                evidence += vpc_evidence(model, "no NAT gateway in a public subnet")
        for subnet in unrouted:
            evidence.append(model.evidence(subnet.key, _route_problem(model, subnet)))
        return result(self.item_id, False, expected, actual, evidence)


def _route_problem(model: TemplateModel, subnet: Subnet) -> str:
    """Return why a private subnet's default route misses its AZ's NAT, or ""."""
    route = subnet.default_route
    if route is None:
        return "no default route"
    if route.target_kind != "nat_gateway":
        return f"default route targets a {route.target_kind.replace('_', ' ')}"
    nat = next((n for n in model.nat_gateways if n.key == route.target_key), None)
    if nat is not None and nat.az != subnet.az:
        return f"default route crosses to the NAT gateway in {nat.az}"
    return ""


RULE = NatGatewayPerAz()
