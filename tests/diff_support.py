"""An independent reading of subnet tiers from raw templates, to check diff pairs.

It shares no code with `harness.diff`: a subnet is public when its route
table's 0.0.0.0/0 route goes to an `AWS::EC2::InternetGateway` of the same
template, and private otherwise (NAT gateway or no default route). What
serves a subnet (its route table, routes, associations, NAT gateway and that
gateway's EIP) has the subnet's tier.
"""

from __future__ import annotations

from typing import Any

from harness._synth_result import Stack
from harness.diff import TemplateDiff

Where = tuple[str, str]


def _target(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return value["Ref"]
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        attribute = value["Fn::GetAtt"]
        return attribute[0] if isinstance(attribute, list) else attribute.split(".")[0]
    return None


def serving_tiers(stacks: list[Stack]) -> dict[Where, str]:
    """Return (stack, logical ID) -> public/private for subnets and what serves them."""
    tiers: dict[Where, str] = {}
    for stack in stacks:
        tiers.update(
            {(stack.name, lid): tier for lid, tier in _stack_tiers(stack).items()}
        )
    return tiers


def _stack_tiers(stack: Stack) -> dict[str, str]:
    resources = stack.template.get("Resources") or {}

    def of_type(name: str):
        for lid, resource in resources.items():
            if resource.get("Type") == f"AWS::EC2::{name}":
                yield lid, resource.get("Properties") or {}

    table_of = {
        _target(p.get("SubnetId")): _target(p.get("RouteTableId"))
        for _, p in of_type("SubnetRouteTableAssociation")
    }
    table_tier = {}
    for _, properties in of_type("Route"):
        if properties.get("DestinationCidrBlock") != "0.0.0.0/0":
            continue
        gateway = resources.get(_target(properties.get("GatewayId")) or "", {})
        public = gateway.get("Type") == "AWS::EC2::InternetGateway"
        table_tier[_target(properties.get("RouteTableId"))] = (
            "public" if public else "private"
        )
    tiers = {
        lid: table_tier.get(table_of.get(lid), "private")
        for lid, _ in of_type("Subnet")
    }
    for kind in ("SubnetRouteTableAssociation", "SubnetNetworkAclAssociation"):
        for lid, properties in of_type(kind):
            tiers[lid] = tiers[_target(properties["SubnetId"])]
    for lid, properties in of_type("NatGateway"):
        tiers[lid] = tiers[_target(properties["SubnetId"])]
        allocation = _target(properties.get("AllocationId"))
        if allocation:
            tiers[allocation] = tiers[lid]
    for lid, _ in of_type("RouteTable"):
        served = {tiers[s] for s, table in table_of.items() if table == lid}
        if len(served) == 1:
            tiers[lid] = served.pop()
    for lid, properties in of_type("Route"):
        table = _target(properties.get("RouteTableId"))
        if table in tiers:
            tiers[lid] = tiers[table]
    return tiers


def crossing_pairs(
    result: TemplateDiff, ideal: list[Stack], model: list[Stack]
) -> list[tuple[str, str, str, str, str]]:
    """Return the pairs whose two elements serve subnets of different tiers."""
    ideal_tiers, model_tiers = serving_tiers(ideal), serving_tiers(model)
    crossing = []
    for pair in result.pairs:
        first = ideal_tiers.get((pair.ideal.stack, pair.ideal.logical_id))
        second = model_tiers.get((pair.model.stack, pair.model.logical_id))
        if first and second and first != second:
            crossing.append(
                (pair.type, pair.ideal.logical_id, first, pair.model.logical_id, second)
            )
    return crossing
