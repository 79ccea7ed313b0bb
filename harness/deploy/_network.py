"""EC2 network constraints that cfn-lint 1.58 does not check.

Measured by linting templates that break each constraint. cfn-lint reported
nothing for out-of-range NACL rule numbers, ports and protocols, for a missing
PortRange or Icmp, or for duplicate rule numbers. It also accepted VPC or
subnet prefixes outside /16-/28 and out-of-range security group ports. It
checks literal subnet CIDRs (E3059, E3060) but not those known only after
resolving a parameter or `Fn::Cidr`.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from harness.deploy._view import Constraint, TemplateView, Violation

NACL_ENTRY = "AWS::EC2::NetworkAclEntry"
NACL_API = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html"
VPC_CIDR_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html"
SUBNET_DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html"
SG_DOC = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html"

_TCP, _UDP, _ICMP = 6, 17, 1

Check = Callable[[TemplateView], Iterator[Violation]]


@dataclass(frozen=True)
class IntegerRange:
    """A property whose static value must lie in [minimum, maximum]."""

    resource_type: str
    path: str
    minimum: int
    maximum: int
    limit: str


# CreateNetworkAclEntry: RuleNumber is 1-32766 (32767-65535 are reserved, and
# 32767 is the default deny rule); Protocol is -1 (all) or an IP protocol
# number 0-255; PortRange From/To are TCP/UDP ports 0-65535.
NACL_RANGES = {
    "nacl-rule-number": [
        IntegerRange(NACL_ENTRY, "RuleNumber", 1, 32766, "1-32766"),
    ],
    "nacl-protocol": [
        IntegerRange(NACL_ENTRY, "Protocol", -1, 255, "-1 (all) or 0-255"),
    ],
    "nacl-port-range": [
        IntegerRange(NACL_ENTRY, "PortRange.From", 0, 65535, "0-65535"),
        IntegerRange(NACL_ENTRY, "PortRange.To", 0, 65535, "0-65535"),
    ],
}

# An IPv4 VPC CIDR block, and an IPv4 subnet CIDR block, is between /16 and /28.
CIDR_PREFIXES = {
    "vpc-cidr-size": [("AWS::EC2::VPC", 16, 28), ("AWS::EC2::VPCCidrBlock", 16, 28)],
    "subnet-cidr-size": [("AWS::EC2::Subnet", 16, 28)],
}


def _ranges(rule_id: str) -> Check:
    def check(view: TemplateView) -> Iterator[Violation]:
        for spec in NACL_RANGES[rule_id]:
            for logical_id, properties in view.resources(spec.resource_type):
                number = view.integer(properties, spec.path)
                if number is None or spec.minimum <= number <= spec.maximum:
                    continue
                yield Violation(
                    f"{spec.path} is {number}; the allowed range is {spec.limit}",
                    logical_id,
                    f"Properties.{spec.path}",
                )

    return check


def _prefixes(rule_id: str) -> Check:
    def check(view: TemplateView) -> Iterator[Violation]:
        for resource_type, shortest, longest in CIDR_PREFIXES[rule_id]:
            for logical_id, properties in view.resources(resource_type):
                network = _network(view.text(properties, "CidrBlock"))
                if network is None or shortest <= network.prefixlen <= longest:
                    continue
                yield Violation(
                    f"CidrBlock {network} has a /{network.prefixlen} prefix; "
                    f"IPv4 blocks must be between /{shortest} and /{longest}",
                    logical_id,
                    "Properties.CidrBlock",
                )

    return check


def _network(text: str | None) -> ipaddress.IPv4Network | None:
    if text is None:
        return None
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None


def _nacl_port_order(view: TemplateView) -> Iterator[Violation]:
    for logical_id, properties in view.resources(NACL_ENTRY):
        start = view.integer(properties, "PortRange.From")
        end = view.integer(properties, "PortRange.To")
        if start is not None and end is not None and start > end:
            yield Violation(
                f"PortRange.From {start} is greater than PortRange.To {end}",
                logical_id,
                "Properties.PortRange",
            )


def _nacl_required_parts(view: TemplateView) -> Iterator[Violation]:
    """TCP and UDP entries need a PortRange; ICMP entries need Icmp."""
    for logical_id, properties in view.resources(NACL_ENTRY):
        protocol = view.integer(properties, "Protocol")
        if protocol in (_TCP, _UDP) and "PortRange" not in properties:
            name = "TCP" if protocol == _TCP else "UDP"
            yield Violation(
                f"Protocol {protocol} ({name}) requires PortRange",
                logical_id,
                "Properties.PortRange",
            )
        if protocol == _ICMP and "Icmp" not in properties:
            yield Violation(
                "Protocol 1 (ICMP) requires Icmp (type and code)",
                logical_id,
                "Properties.Icmp",
            )


def _nacl_duplicate_numbers(view: TemplateView) -> Iterator[Violation]:
    """Two entries of one ACL and one direction cannot share a rule number."""
    seen: dict[tuple[str, bool, int], str] = {}
    for logical_id, properties in view.resources(NACL_ENTRY):
        acl = properties.get("NetworkAclId")
        number = view.integer(properties, "RuleNumber")
        if acl is None or number is None:
            continue
        egress = str(view.text(properties, "Egress") or "false").lower() == "true"
        key = (repr(acl), egress, number)
        if key in seen:
            direction = "egress" if egress else "ingress"
            yield Violation(
                f"rule number {number} is already used by {seen[key]} for "
                f"{direction} on the same network ACL",
                logical_id,
                "Properties.RuleNumber",
            )
        else:
            seen[key] = logical_id


def _subnet_layout(view: TemplateView) -> Iterator[Violation]:
    """Subnets lie inside their VPC's CIDR blocks and do not overlap.

    Only pairs where a CIDR needed resolving are reported: cfn-lint checks
    literal ones (E3059, E3060).
    """
    blocks = _vpc_blocks(view)
    by_vpc: dict[str, list[tuple[str, ipaddress.IPv4Network, bool]]] = defaultdict(list)
    for logical_id, properties in view.resources("AWS::EC2::Subnet"):
        vpc = _ref_target(properties.get("VpcId"))
        found = view.value(properties, "CidrBlock")
        network = _network(found.value) if found and found.static else None
        if vpc is None or network is None or found is None:
            continue
        by_vpc[vpc].append((logical_id, network, found.literal))
        vpc_blocks = blocks.get(vpc)
        if vpc_blocks is None or (found.literal and vpc_blocks[1]):
            continue
        if not any(network.subnet_of(block) for block in vpc_blocks[0]):
            listed = ", ".join(str(block) for block in vpc_blocks[0])
            yield Violation(
                f"subnet CidrBlock {network} is not inside the VPC's CIDR "
                f"block(s) {listed}",
                logical_id,
                "Properties.CidrBlock",
            )
    for subnets in by_vpc.values():
        yield from _overlaps(subnets)


def _overlaps(
    subnets: list[tuple[str, ipaddress.IPv4Network, bool]],
) -> Iterator[Violation]:
    for index, (logical_id, network, literal) in enumerate(subnets):
        for other_id, other, other_literal in subnets[:index]:
            if literal and other_literal:
                continue
            if network.overlaps(other):
                yield Violation(
                    f"subnet CidrBlock {network} overlaps {other} of {other_id}",
                    logical_id,
                    "Properties.CidrBlock",
                )


def _vpc_blocks(
    view: TemplateView,
) -> dict[str, tuple[list[ipaddress.IPv4Network], bool]]:
    """Return each VPC's static CIDR blocks and whether all were literal.

    A VPC with any block that does not resolve is left out, so that no
    subnet is judged against an incomplete list.
    """
    blocks: dict[str, tuple[list[ipaddress.IPv4Network], bool]] = {}
    unknown: set[str] = set()
    for logical_id, properties in view.resources("AWS::EC2::VPC"):
        _add_block(view, blocks, unknown, logical_id, properties)
    for _, properties in view.resources("AWS::EC2::VPCCidrBlock"):
        vpc = _ref_target(properties.get("VpcId"))
        if vpc is not None:
            _add_block(view, blocks, unknown, vpc, properties)
    return {vpc: value for vpc, value in blocks.items() if vpc not in unknown}


def _add_block(
    view: TemplateView,
    blocks: dict[str, tuple[list[ipaddress.IPv4Network], bool]],
    unknown: set[str],
    vpc: str,
    properties: dict[str, Any],
) -> None:
    found = view.value(properties, "CidrBlock")
    network = _network(found.value) if found and found.static else None
    if network is None or found is None:
        unknown.add(vpc)
        return
    networks, literal = blocks.get(vpc, ([], True))
    blocks[vpc] = (networks + [network], literal and found.literal)


def _ref_target(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return value["Ref"]
    return None


_SG_RULE_TYPES = {
    "AWS::EC2::SecurityGroup": ("SecurityGroupIngress", "SecurityGroupEgress"),
    "AWS::EC2::SecurityGroupIngress": (None,),
    "AWS::EC2::SecurityGroupEgress": (None,),
}


def _security_group_ports(view: TemplateView) -> Iterator[Violation]:
    """TCP and UDP rules use ports 0-65535 with FromPort <= ToPort."""
    for resource_type, lists in _SG_RULE_TYPES.items():
        for logical_id, properties in view.resources(resource_type):
            for path, rule in _sg_rules(properties, lists):
                yield from _sg_rule_ports(view, logical_id, path, rule)


def _sg_rules(
    properties: dict[str, Any], lists: tuple[str | None, ...]
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name in lists:
        if name is None:
            yield "", properties
            continue
        rules = properties.get(name)
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            if isinstance(rule, dict):
                yield f"{name}[{index}].", rule


def _sg_rule_ports(
    view: TemplateView, logical_id: str, path: str, rule: dict[str, Any]
) -> Iterator[Violation]:
    protocol = (view.text(rule, "IpProtocol") or "").lower()
    if protocol not in ("tcp", "udp", "6", "17"):
        return
    start, end = view.integer(rule, "FromPort"), view.integer(rule, "ToPort")
    for name, port in (("FromPort", start), ("ToPort", end)):
        if port is not None and not 0 <= port <= 65535:
            yield Violation(
                f"{name} {port} is outside the port range 0-65535 for {protocol}",
                logical_id,
                f"Properties.{path}{name}",
            )
    if start is not None and end is not None and start > end:
        yield Violation(
            f"FromPort {start} is greater than ToPort {end}",
            logical_id,
            f"Properties.{path}FromPort",
        )


CONSTRAINTS = [
    Constraint(
        "nacl-rule-number",
        "NACL rule number in 1-32766",
        NACL_API,
        _ranges("nacl-rule-number"),
    ),
    Constraint(
        "nacl-protocol",
        "NACL protocol is -1 or 0-255",
        NACL_API,
        _ranges("nacl-protocol"),
    ),
    Constraint(
        "nacl-port-range", "NACL ports in 0-65535", NACL_API, _ranges("nacl-port-range")
    ),
    Constraint(
        "nacl-port-order", "NACL PortRange From <= To", NACL_API, _nacl_port_order
    ),
    Constraint(
        "nacl-required-parts",
        "NACL TCP/UDP need PortRange, ICMP needs Icmp",
        NACL_API,
        _nacl_required_parts,
    ),
    Constraint(
        "nacl-duplicate-rule-number",
        "NACL rule numbers unique per ACL and direction",
        NACL_API,
        _nacl_duplicate_numbers,
    ),
    Constraint(
        "vpc-cidr-size",
        "VPC CIDR between /16 and /28",
        VPC_CIDR_DOC,
        _prefixes("vpc-cidr-size"),
    ),
    Constraint(
        "subnet-cidr-size",
        "subnet CIDR between /16 and /28",
        SUBNET_DOC,
        _prefixes("subnet-cidr-size"),
    ),
    Constraint(
        "subnet-cidr-layout",
        "subnets inside the VPC CIDR, not overlapping",
        SUBNET_DOC,
        _subnet_layout,
    ),
    Constraint(
        "security-group-ports",
        "security group TCP/UDP ports 0-65535, FromPort <= ToPort",
        SG_DOC,
        _security_group_ports,
    ),
]
