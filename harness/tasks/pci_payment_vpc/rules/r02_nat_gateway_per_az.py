"""Item 2: one NAT gateway per AZ, each private subnet routed to its AZ's NAT.

The rule requires at least three NAT gateways in public subnets, one in every
AZ that has subnets, and a default route from each private subnet to the NAT
gateway of its own AZ. How many AZs the subnets span is item 1's concern.
"""

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
        placed = [
            n
            for n in model.nat_gateways
            if n.subnet in public_keys and n.connectivity == "public"
        ]
        misplaced = [n for n in model.nat_gateways if n not in placed]
        nat_azs = {n.az for n in placed if isinstance(n.az, str)}
        subnet_azs = {s.az for s in model.subnets if isinstance(s.az, str)}
        uncovered = sorted(subnet_azs - nat_azs)
        unrouted = [s for s in model.private_subnets if _route_problem(model, s)]

        actual = (
            f"{count(len(model.nat_gateways), 'NAT gateway')} "
            f"({len(placed)} in public subnets) in {listing(nat_azs)}; "
            f"{len(unrouted)} of {count(len(model.private_subnets), 'private subnet')} "
            "without a route to a NAT gateway in its AZ"
        )
        short = len(placed) < REQUIRED_AZS or uncovered
        if not short and not misplaced and not unrouted:
            return result(self.item_id, True, expected, actual)

        evidence: list[Evidence] = [
            model.evidence(n.key, _placement_problem(n.connectivity)) for n in misplaced
        ]
        if short:
            note = f"{count(len(placed), 'NAT gateway')} in public subnets"
            if uncovered:
                note = f"no NAT gateway in {listing(uncovered)}"
            evidence += [model.evidence(n.key, note) for n in placed]
            if not placed:
                evidence += vpc_evidence(model, "no NAT gateway in a public subnet")
        for subnet in unrouted:
            evidence.append(model.evidence(subnet.key, _route_problem(model, subnet)))
        return result(self.item_id, False, expected, actual, evidence)


def _placement_problem(connectivity: str) -> str:
    if connectivity != "public":
        return f"NAT gateway with {connectivity} connectivity has no internet route"
    return "NAT gateway not in a public subnet"


def _route_problem(model: TemplateModel, subnet: Subnet) -> str:
    """Return why a private subnet's default route misses its AZ's NAT, or ""."""
    route = subnet.default_route
    if route is None:
        return "no default route"
    if route.target_kind != "nat_gateway":
        return f"default route targets a {route.target_kind.replace('_', ' ')}"
    nat = next((n for n in model.nat_gateways if n.key == route.target_key), None)
    if nat is not None and nat.connectivity != "public":
        return (
            f"default route targets a NAT gateway with {nat.connectivity} connectivity"
        )
    if nat is not None and nat.az != subnet.az:
        return f"default route crosses to the NAT gateway in {nat.az}"
    return ""


RULE = NatGatewayPerAz()
