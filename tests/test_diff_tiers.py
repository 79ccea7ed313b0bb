"""Tier-dominant pairing and AZ-count attribution on hand-built VPC templates.

`_network` lays out subnets the way CDK does: tier by tier, one subnet per AZ,
consecutive /24 blocks from 10.0.0.0. Public subnets route to an internet
gateway and hold a NAT gateway. Private subnets route to the NAT gateway of
their AZ, or have no default route when their AZ has no public subnet.
"""

from __future__ import annotations

import pytest
from diff_support import crossing_pairs

from harness._synth_result import Stack
from harness.diff import diff_templates
from harness.diff._elements import load_elements
from harness.diff._layout import kept_positions
from harness.tasks.pci_payment_vpc.attribution import ATTRIBUTION

SUBNET = "AWS::EC2::Subnet"
CIDR = "Properties.CidrBlock"


def _network(
    prefix: str, subnets: list[tuple[str, str]], cidrs: list[str] | None = None
) -> list[Stack]:
    """Return one stack with a VPC and `subnets`, given as (tier, AZ letter)."""
    cidrs = cidrs or [f"10.0.{index}.0/24" for index in range(len(subnets))]
    vpc = f"{prefix}Vpc"
    resources: dict = {
        vpc: {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        f"{prefix}Igw": {"Type": "AWS::EC2::InternetGateway", "Properties": {}},
    }
    nat_of_zone: dict[str, str] = {}
    for index, (tier, zone) in enumerate(subnets):
        if tier == "public" and zone not in nat_of_zone:
            nat_of_zone[zone] = f"{prefix}Nat{index}"
    for index, ((tier, zone), cidr) in enumerate(zip(subnets, cidrs)):
        name = f"{prefix}{tier.title()}{index}"
        resources[name] = {
            "Type": SUBNET,
            "Properties": {
                "VpcId": {"Ref": vpc},
                "CidrBlock": cidr,
                "AvailabilityZone": f"us-east-1{zone}",
                "MapPublicIpOnLaunch": tier == "public",
            },
        }
        resources[f"{name}Table"] = {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": vpc}},
        }
        resources[f"{name}Assoc"] = {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "SubnetId": {"Ref": name},
                "RouteTableId": {"Ref": f"{name}Table"},
            },
        }
        if tier == "public":
            target = {"GatewayId": {"Ref": f"{prefix}Igw"}}
            if nat_of_zone[zone] == f"{prefix}Nat{index}":
                resources[f"{prefix}Eip{index}"] = {
                    "Type": "AWS::EC2::EIP",
                    "Properties": {"Domain": "vpc"},
                }
                resources[f"{prefix}Nat{index}"] = {
                    "Type": "AWS::EC2::NatGateway",
                    "Properties": {
                        "SubnetId": {"Ref": name},
                        "AllocationId": {
                            "Fn::GetAtt": [f"{prefix}Eip{index}", "AllocationId"]
                        },
                    },
                }
        elif zone in nat_of_zone:
            target = {"NatGatewayId": {"Ref": nat_of_zone[zone]}}
        else:
            continue
        resources[f"{name}Default"] = {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": f"{name}Table"},
                "DestinationCidrBlock": "0.0.0.0/0",
                **target,
            },
        }
    return [Stack("Net", {"Resources": resources}, "Net.template.json")]


def _layout(zones: str, tiers=("public", "private")) -> list[tuple[str, str]]:
    return [(tier, zone) for tier in tiers for zone in zones]


def _one_sided(result, resource_type=SUBNET) -> list[tuple]:
    return sorted(
        (e.kind, e.role, e.items)
        for e in result.entries
        if e.type == resource_type and e.kind != "changed"
    )


def test_public_subnet_never_pairs_private():
    # The model lacks the public subnet of zone a and has two private ones
    # there. Those have no NAT gateway, so they are isolated.
    ideal = _network("A", [("public", "a"), ("private", "a")])
    model = _network("B", [("private", "a"), ("private", "a")])
    result = diff_templates(ideal, model, ATTRIBUTION)
    assert crossing_pairs(result, ideal, model) == []
    subnet_pairs = [p.role for p in result.pairs if p.type == SUBNET]
    assert subnet_pairs == ["subnet(az=us-east-1a, tier=private)"]
    assert _one_sided(result) == [
        ("only_in_ideal", "subnet(az=us-east-1a, tier=public)", ("1",)),
        ("only_in_model", "subnet(az=us-east-1a, tier=isolated)", ("1",)),
    ]
    tier = [e for e in result.entries if e.path == "@role.tier"]
    assert [(e.ideal_value, e.model_value, e.items) for e in tier] == [
        ("private", "isolated", ("2",))
    ]


def test_route_tables_and_routes_stay_within_tiers():
    ideal = _network("A", [("public", "a"), ("private", "a")])
    model = _network("B", [("private", "a"), ("private", "a")])
    result = diff_templates(ideal, model, ATTRIBUTION)
    for resource_type in ("AWS::EC2::RouteTable", "AWS::EC2::Route"):
        ideal_only = [kind for kind, role, _ in _one_sided(result, resource_type)]
        assert "only_in_ideal" in ideal_only, resource_type
    roles = {(p.type, p.role) for p in result.pairs}
    assert all("tier=public" not in role for _, role in roles), roles


def test_nat_in_private_subnet_unpaired():
    ideal = _network("A", [("public", "a"), ("private", "a")])
    model = _network("B", [("public", "a"), ("private", "a")])
    resources = model[0].template["Resources"]
    resources["BNat0"]["Properties"]["SubnetId"] = {"Ref": "BPrivate1"}
    result = diff_templates(ideal, model, ATTRIBUTION)
    assert crossing_pairs(result, ideal, model) == []
    nat = "AWS::EC2::NatGateway"
    assert [p for p in result.pairs if p.type in (nat, "AWS::EC2::EIP")] == []
    kinds = [kind for kind, _, _ in _one_sided(result, nat)]
    assert kinds == ["only_in_ideal", "only_in_model"]


def test_private_and_isolated_subnets_still_pair():
    ideal = _network("A", _layout("ab"))
    model = _network("B", [("private", "a"), ("private", "b")])
    result = diff_templates(ideal, model, ATTRIBUTION)
    changed = sorted(
        (e.role, e.model_value) for e in result.entries if e.path == "@role.tier"
    )
    assert changed == [
        ("subnet(az=us-east-1a, tier=private)", "isolated"),
        ("subnet(az=us-east-1b, tier=private)", "isolated"),
    ]


def test_fewer_zones_shift_later_cidrs_to_item_1():
    ideal = _network("A", _layout("abc"))
    model = _network("B", _layout("ab"))
    result = diff_templates(ideal, model, ATTRIBUTION)
    shifted = sorted(
        (e.ideal_value, e.model_value, e.items)
        for e in result.entries
        if e.path == CIDR
    )
    assert shifted == [
        ("10.0.3.0/24", "10.0.2.0/24", ("1",)),
        ("10.0.4.0/24", "10.0.3.0/24", ("1",)),
    ]
    assert result.unexplained == []


def test_more_zones_in_the_model_are_item_1():
    ideal = _network("A", _layout("ab"))
    model = _network("B", _layout("abc"))
    result = diff_templates(ideal, model, ATTRIBUTION)
    assert [e for e in result.entries if e.path == CIDR and e.items != ("1",)] == []
    assert _one_sided(result) == [
        ("only_in_model", f"subnet(az=us-east-1c, tier={tier})", ("1",))
        for tier in ("private", "public")
    ]
    assert result.unexplained == []


def test_cidr_change_beyond_the_shift_stays_unexplained():
    ideal = _network("A", _layout("abc"))
    cidrs = ["10.0.0.0/24", "10.0.1.0/24", "10.0.12.0/24", "10.0.13.0/24"]
    model = _network("B", _layout("ab"), cidrs)
    result = diff_templates(ideal, model, ATTRIBUTION)
    moved = [e for e in result.entries if e.path == CIDR]
    assert [(e.role_attrs["cidr_position"], e.items) for e in moved] == [
        ("moved", ()),
        ("moved", ()),
    ]


def test_cidr_change_with_equal_zone_counts_stays_unexplained():
    ideal = _network("A", _layout("ab"))
    # Same two zones, private tier first: every subnet keeps its zone and tier
    # but takes another block.
    model = _network("B", _layout("ab", tiers=("private", "public")))
    result = diff_templates(ideal, model, ATTRIBUTION)
    moved = [e for e in result.entries if e.path == CIDR]
    assert len(moved) == 4
    assert {e.role_attrs["az_counts"] for e in moved} == {"same"}
    assert all(not e.items for e in moved)


@pytest.mark.parametrize(
    ("ideal_cidrs", "model_cidrs", "kept"),
    [
        (
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
            ["10.0.0.0/24", "10.0.1.0/24"],
            2,
        ),
        (
            ["10.0.0.0/24", "10.0.2.0/24", "10.0.3.0/24"],
            ["10.0.0.0/24", "10.0.1.0/24"],
            0,
        ),
        (
            ["10.0.0.0/24", "10.0.1.0/25", "10.0.2.0/24"],
            ["10.0.0.0/24", "10.0.1.0/24"],
            2,
        ),
        (
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
            ["10.0.0.0/24", "10.0.2.0/24"],
            0,
        ),
    ],
    ids=["packed", "gap-in-ideal", "smaller-block-skipped", "gap-in-model"],
)
def test_kept_positions(ideal_cidrs, model_cidrs, kept):
    """The ideal's middle subnet has no counterpart; the others pair in order."""
    ideal_subnets = [("private", "a"), ("private", "b"), ("private", "c")]
    ideal = load_elements(_network("A", ideal_subnets, ideal_cidrs), "us-east-1")
    model_subnets = [("private", "a"), ("private", "c")]
    model = load_elements(_network("B", model_subnets, model_cidrs), "us-east-1")
    to_model = {
        ("Net", "APrivate0"): ("Net", "BPrivate0"),
        ("Net", "APrivate2"): ("Net", "BPrivate1"),
    }
    assert len(kept_positions(ideal, model, to_model)) == kept
