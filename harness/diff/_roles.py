"""Role signatures: what an element is for, derived from its type and its relations.

A role never contains a logical ID. A subnet's role is its tier and AZ, and a
route table, route, NAT gateway or association takes the role of its subnet.
Subnets and what serves them pair only within one tier class: public (a
default route to an internet gateway) or private (any other default route,
or none).
A NACL entry's role is its direction, protocol, ports and action, and an
endpoint's role is its service. Other elements fall back to the types they
reference and the types that reference them (outputs excluded).
Role attributes read a parameter reference as the parameter's default, so an
`Fn::Sub` or `Fn::Join` of text and parameters reads as one string.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from harness.diff._elements import Element, Key, RefTo

DEFAULT_ROUTE = "0.0.0.0/0"
# A parameter of this type has a Systems Manager key as its default, which
# CloudFormation replaces with the stored value at deploy time.
_LOOKUP_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"
TIER_CLASS = "tier_class"
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "all", "58": "icmpv6"}
_ROUTE_TARGETS = {
    "GatewayId": "gateway",
    "NatGatewayId": "nat",
    "InstanceId": "instance",
    "TransitGatewayId": "transit-gateway",
    "VpcPeeringConnectionId": "peering",
    "NetworkInterfaceId": "interface",
    "VpcEndpointId": "endpoint",
    "EgressOnlyInternetGatewayId": "egress-only-gateway",
}


@dataclass(frozen=True)
class Role:
    """An element's role: a kind plus attributes.

    `hard` names the attributes two elements must share to be paired at all,
    where `tier_class` is derived from `tier`. `reported` names those whose
    change between paired elements is a diff entry.
    """

    kind: str
    attrs: tuple[tuple[str, str], ...] = ()
    hard: tuple[str, ...] = ()
    reported: tuple[str, ...] = ()

    def get(self, name: str) -> str | None:
        for key, value in self.attrs:
            if key == name:
                return value
        return None

    @property
    def match_key(self) -> tuple:
        return (self.kind, self.attrs)

    @property
    def hard_key(self) -> tuple:
        return (self.kind, tuple((name, self._hard_value(name)) for name in self.hard))

    def _hard_value(self, name: str) -> str | None:
        if name == TIER_CLASS:
            return tier_class(self.get("tier"))
        return self.get(name)

    @property
    def label(self) -> str:
        if not self.attrs:
            return self.kind
        inner = ", ".join(f"{key}={value}" for key, value in self.attrs)
        return f"{self.kind}({inner})"

    def as_dict(self) -> dict[str, str]:
        return dict(self.attrs)


def tier_class(tier: str | None) -> str | None:
    """Return "public" for the public tier, "private" for private or isolated.

    A route table shared by subnets of several tiers keeps its "mixed" tier.
    """
    if tier in (None, "public", "mixed"):
        return tier
    return "private"


def _role(kind: str, hard=(), reported=(), **attrs: str | None) -> Role:
    cleaned = tuple(sorted((k, str(v)) for k, v in attrs.items() if v is not None))
    return Role(kind, cleaned, tuple(hard), tuple(reported))


def short_type(resource_type: str) -> str:
    """Return the last segment of a resource type (`AWS::EC2::Subnet` -> `Subnet`)."""
    return resource_type.rsplit("::", 1)[-1]


class RoleFinder:
    """Computes and caches the role of every element of one side of a diff."""

    def __init__(self, elements: dict[Key, Element]) -> None:
        self.elements = elements
        self.incoming: dict[Key, list[tuple[Element, str]]] = defaultdict(list)
        for element in elements.values():
            for path, ref in element.refs:
                self.incoming[ref.key].append((element, path))
        self._roles: dict[Key, Role] = {}
        self._subnets: dict[Key, Key | None] = {}

    def role(self, key: Key) -> Role:
        if key not in self._roles:
            self._roles[key] = self._compute(self.elements[key])
        return self._roles[key]

    def subnet_of(self, key: Key) -> Key | None:
        """Return the subnet an element serves (itself for a subnet), if any."""
        if key not in self._subnets:
            self._subnets[key] = self._find_subnet(self.elements[key])
        return self._subnets[key]

    def zone_subnet_count(self, subnet: Key) -> int:
        """Return how many subnets share the tier and AZ of `subnet`, itself included."""
        expected = self.role(subnet).attrs
        return sum(
            1
            for element in self.elements.values()
            if element.type == "AWS::EC2::Subnet"
            and self.role(element.key).attrs == expected
        )

    # Relations.

    def _prop(self, element: Element, name: str) -> Any:
        """Return a property's normalized value, as text where `_static` can
        resolve it."""
        return self._static(_property(element, name))

    def _static(self, value: Any) -> Any:
        """Return a parameter reference as the parameter's default and a join
        (which is also what `Fn::Sub` becomes) of text and such references as
        one string. Any other value is returned unchanged."""
        if isinstance(value, RefTo):
            default = self._parameter_default(value)
            return value if default is None else default
        if not (
            isinstance(value, dict)
            and set(value) == {"Fn::Join"}
            and isinstance(value["Fn::Join"], list)
            and len(value["Fn::Join"]) == 2
            and isinstance(value["Fn::Join"][1], list)
        ):
            return value
        delimiter, parts = value["Fn::Join"]
        texts = [self._static(part) for part in parts]
        if not all(isinstance(text, str) for text in texts):
            return value
        return str(delimiter).join(texts)

    def _parameter_default(self, ref: RefTo) -> str | None:
        """Return the default of the parameter `ref` names, unless it is absent,
        not a scalar, or a key that CloudFormation looks up at deploy time."""
        parameter = self.elements.get(ref.key)
        if ref.attribute is not None or parameter is None:
            return None
        if parameter.section != "parameters":
            return None
        default = parameter.body.get("Default")
        if isinstance(default, bool) or not isinstance(default, (str, int, float)):
            return None
        if str(parameter.body.get("Type", "")).startswith(_LOOKUP_TYPE_PREFIX):
            return None
        return str(default)

    def _prop_target(self, element: Element, name: str) -> Element | None:
        value = _property(element, name)
        if isinstance(value, RefTo) and value.key in self.elements:
            return self.elements[value.key]
        return None

    def _referrers(
        self, element: Element, source_type: str, path: str
    ) -> list[Element]:
        return sorted(
            (
                source
                for source, source_path in self.incoming.get(element.key, ())
                if source.type == source_type and source_path == path
            ),
            key=lambda source: source.key,
        )

    def _find_subnet(self, element: Element) -> Key | None:
        if element.type == "AWS::EC2::Subnet":
            return element.key
        if element.type in (
            "AWS::EC2::SubnetRouteTableAssociation",
            "AWS::EC2::SubnetNetworkAclAssociation",
            "AWS::EC2::NatGateway",
        ):
            target = self._prop_target(element, "SubnetId")
            return target.key if target else None
        if element.type == "AWS::EC2::RouteTable":
            subnets = self._subnets_of_route_table(element)
            return subnets[0].key if len(subnets) == 1 else None
        if element.type == "AWS::EC2::Route":
            table = self._prop_target(element, "RouteTableId")
            return self.subnet_of(table.key) if table else None
        if element.type == "AWS::EC2::EIP":
            nats = self._referrers(
                element, "AWS::EC2::NatGateway", "Properties.AllocationId"
            )
            return self.subnet_of(nats[0].key) if len(nats) == 1 else None
        return None

    def _subnets_of_route_table(self, table: Element) -> list[Element]:
        associations = self._referrers(
            table, "AWS::EC2::SubnetRouteTableAssociation", "Properties.RouteTableId"
        )
        subnets = [self._prop_target(a, "SubnetId") for a in associations]
        return [subnet for subnet in subnets if subnet is not None]

    def _route_target(self, route: Element) -> str:
        for name, label in _ROUTE_TARGETS.items():
            value = self._prop(route, name)
            if value is None:
                continue
            target = self._prop_target(route, name)
            if target is not None and target.type == "AWS::EC2::InternetGateway":
                return "internet-gateway"
            return label
        return "none"

    def subnet_tier(self, subnet: Element) -> str:
        """Return public, private or isolated from the subnet's default route."""
        for association in self._referrers(
            subnet, "AWS::EC2::SubnetRouteTableAssociation", "Properties.SubnetId"
        ):
            table = self._prop_target(association, "RouteTableId")
            if table is None:
                continue
            for route in self._referrers(
                table, "AWS::EC2::Route", "Properties.RouteTableId"
            ):
                if self._prop(route, "DestinationCidrBlock") != DEFAULT_ROUTE:
                    continue
                target = self._route_target(route)
                return "public" if target == "internet-gateway" else "private"
        if self._prop(subnet, "MapPublicIpOnLaunch") is True:
            return "public"
        return "isolated"

    # Roles by type.

    def _compute(self, element: Element) -> Role:
        if element.section == "outputs":
            return self._output_role(element)
        if element.section != "resources":
            return self._generic_role(element, element.section[:-1])
        compute = _ROLE_BY_TYPE.get(element.type)
        if compute is not None:
            return compute(self, element)
        return self._generic_role(element, short_type(element.type))

    def _subnet_attrs(self, subnet: Element | None) -> dict[str, str | None]:
        if subnet is None:
            return {}
        zone = self._prop(subnet, "AvailabilityZone")
        return {
            "tier": self.subnet_tier(subnet),
            "az": zone if isinstance(zone, str) else "unknown",
        }

    def _served_subnet(self, element: Element) -> Element | None:
        key = self.subnet_of(element.key)
        return self.elements[key] if key else None

    def _subnet_role(self, element: Element) -> Role:
        attrs = self._subnet_attrs(element)
        return _role("subnet", hard=("az", TIER_CLASS), reported=("tier",), **attrs)

    def _subnet_child_role(self, element: Element) -> Role:
        attrs = self._table_or_subnet_attrs(element)
        kind = _KINDS[element.type]
        return _role(kind, hard=("az", TIER_CLASS), **attrs)

    def _table_or_subnet_attrs(self, element: Element) -> dict[str, str | None]:
        """Return the served subnet's attributes, or a shared route table's."""
        table = element
        if element.type == "AWS::EC2::Route":
            table = self._prop_target(element, "RouteTableId") or element
        if table.type == "AWS::EC2::RouteTable":
            subnets = self._subnets_of_route_table(table)
            if len(subnets) > 1:
                tiers = {self.subnet_tier(subnet) for subnet in subnets}
                tier = tiers.pop() if len(tiers) == 1 else "mixed"
                return {"tier": tier, "az": "shared", "subnets": str(len(subnets))}
        return self._subnet_attrs(self._served_subnet(element))

    def _route_role(self, element: Element) -> Role:
        attrs = self._table_or_subnet_attrs(element)
        destination = self._prop(element, "DestinationCidrBlock")
        if destination is None:
            destination = self._prop(element, "DestinationIpv6CidrBlock")
        attrs["destination"] = _text(destination)
        attrs["target"] = self._route_target(element)
        return _role("route", hard=("az", "destination", TIER_CLASS), **attrs)

    def _nat_role(self, element: Element) -> Role:
        attrs = self._subnet_attrs(self._served_subnet(element))
        kind = "nat-gateway" if element.type == "AWS::EC2::NatGateway" else "eip"
        return _role(kind, hard=(TIER_CLASS,), **attrs)

    def _nacl_role(self, element: Element) -> Role:
        associations = self._referrers(
            element, "AWS::EC2::SubnetNetworkAclAssociation", "Properties.NetworkAclId"
        )
        tiers = set()
        for association in associations:
            subnet = self._prop_target(association, "SubnetId")
            if subnet is not None:
                tiers.add(self.subnet_tier(subnet))
        return _role("network-acl", tiers="+".join(sorted(tiers)) or "none")

    def _nacl_entry_role(self, element: Element) -> Role:
        egress = self._prop(element, "Egress")
        protocol = _PROTOCOLS.get(str(self._prop(element, "Protocol")), None)
        if protocol is None:
            protocol = _text(self._prop(element, "Protocol"))
        cidr = self._prop(element, "CidrBlock")
        if cidr is None:
            cidr = self._prop(element, "Ipv6CidrBlock")
        return _role(
            "nacl-entry",
            hard=("direction", "protocol", "ports", "action"),
            direction="egress" if egress in (True, "true", "True") else "ingress",
            protocol=protocol,
            ports=_port_range(self._prop(element, "PortRange"), protocol),
            action=str(self._prop(element, "RuleAction") or "").lower(),
            cidr=_text(cidr),
        )

    def _endpoint_role(self, element: Element) -> Role:
        service = self._prop(element, "ServiceName")
        endpoint_type = self._prop(element, "VpcEndpointType") or "Gateway"
        return _role(
            "vpc-endpoint",
            hard=("service",),
            service=_service_suffix(service),
            endpoint_type=_text(endpoint_type),
        )

    def _flow_log_role(self, element: Element) -> Role:
        destination = self._prop(element, "LogDestinationType") or "cloud-watch-logs"
        return _role(
            "flow-log",
            resource=_text(self._prop(element, "ResourceType")).lower(),
            traffic=_text(self._prop(element, "TrafficType")),
            destination=_text(destination),
        )

    def _vpc_role(self, element: Element) -> Role:
        return _role("vpc", cidr=_text(self._prop(element, "CidrBlock")))

    def _generic_role(self, element: Element, kind: str) -> Role:
        targets = {
            short_type(self.elements[ref.key].type)
            for _, ref in element.refs
            if ref.key in self.elements and ref.key != element.key
        }
        referrers = {
            short_type(source.type)
            for source, _ in self.incoming.get(element.key, ())
            if source.key != element.key and source.section != "outputs"
        }
        attrs: dict[str, str | None] = {
            "targets": "+".join(sorted(targets)) or None,
            "referrers": "+".join(sorted(referrers)) or None,
        }
        if element.section == "parameters":
            attrs["parameter_type"] = _text(element.body.get("Type"))
        return _role(kind, **attrs)

    def _output_role(self, element: Element) -> Role:
        value = element.body.get("Value")
        value_refs = [ref for path, ref in element.refs if path.startswith("Value")]
        targets = sorted(
            {
                short_type(self.elements[ref.key].type)
                for ref in value_refs
                if ref.key in self.elements
            }
        )
        attributes = sorted({ref.attribute or "Ref" for ref in value_refs})
        target_role = None
        if len(value_refs) == 1 and value_refs[0].key in self.elements:
            target_role = self.role(value_refs[0].key).label
        return _role(
            "output",
            hard=("targets", "attribute"),
            targets="+".join(targets) or "literal",
            attribute="+".join(attributes) or None,
            target=target_role,
            literal=value if isinstance(value, str) else None,
        )


_KINDS = {
    "AWS::EC2::RouteTable": "route-table",
    "AWS::EC2::SubnetRouteTableAssociation": "route-table-association",
    "AWS::EC2::SubnetNetworkAclAssociation": "nacl-association",
}

_ROLE_BY_TYPE = {
    "AWS::EC2::VPC": RoleFinder._vpc_role,
    "AWS::EC2::Subnet": RoleFinder._subnet_role,
    "AWS::EC2::RouteTable": RoleFinder._subnet_child_role,
    "AWS::EC2::SubnetRouteTableAssociation": RoleFinder._subnet_child_role,
    "AWS::EC2::SubnetNetworkAclAssociation": RoleFinder._subnet_child_role,
    "AWS::EC2::Route": RoleFinder._route_role,
    "AWS::EC2::NatGateway": RoleFinder._nat_role,
    "AWS::EC2::EIP": RoleFinder._nat_role,
    "AWS::EC2::NetworkAcl": RoleFinder._nacl_role,
    "AWS::EC2::NetworkAclEntry": RoleFinder._nacl_entry_role,
    "AWS::EC2::VPCEndpoint": RoleFinder._endpoint_role,
    "AWS::EC2::FlowLog": RoleFinder._flow_log_role,
}


def _property(element: Element, name: str) -> Any:
    properties = element.body.get("Properties")
    return properties.get(name) if isinstance(properties, dict) else None


def _text(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (str, int, float, bool)):
        return str(value)
    return "expression"


def _port_range(port_range: Any, protocol: str) -> str:
    if not isinstance(port_range, dict):
        return "all"
    start, end = port_range.get("From"), port_range.get("To")
    if start == end:
        return _text(start)
    if (start, end) in ((0, 65535), (1, 65535)) and protocol == "all":
        return "all"
    return f"{_text(start)}-{_text(end)}"


def _service_suffix(service: Any) -> str:
    """Return the service part of an endpoint's service name (`...us-east-1.s3` -> s3)."""
    if not isinstance(service, str):
        return "expression"
    parts = service.split(".")
    if len(parts) >= 4 and parts[0] == "com" and parts[1] == "amazonaws":
        return ".".join(parts[3:])
    return service
