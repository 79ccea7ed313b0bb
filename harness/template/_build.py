"""Build the typed elements of a TemplateModel from its resolved resources."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from harness.template._elements import (
    FlowLog,
    IamRole,
    InternetGateway,
    LogGroup,
    NatGateway,
    PolicyStatement,
    Route,
    Subnet,
    Tier,
    Vpc,
    VpcEndpoint,
)
from harness.template._nacl import ALL_PROTOCOLS, Nacl, NaclEntry, normalize_protocol
from harness.template._values import (
    AttrRef,
    Key,
    ResourceRef,
    Token,
    as_bool,
    as_int,
    ref_keys,
    references,
)

if TYPE_CHECKING:
    from harness.template._model import TemplateModel

DEFAULT_ROUTE = "0.0.0.0/0"
_ROUTE_TARGETS = {
    "NatGatewayId": "nat_gateway",
    "TransitGatewayId": "transit_gateway",
    "InstanceId": "instance",
    "NetworkInterfaceId": "network_interface",
    "VpcPeeringConnectionId": "vpc_peering",
    "EgressOnlyInternetGatewayId": "egress_only_internet_gateway",
    "VpcEndpointId": "vpc_endpoint",
    "CarrierGatewayId": "carrier_gateway",
    "LocalGatewayId": "local_gateway",
    "CoreNetworkArn": "core_network",
    "GatewayId": "gateway",
}
_TARGET_TYPES = {
    "AWS::EC2::InternetGateway": "internet_gateway",
    "AWS::EC2::NatGateway": "nat_gateway",
    "AWS::EC2::VPNGateway": "vpn_gateway",
    "AWS::EC2::TransitGateway": "transit_gateway",
    "AWS::EC2::Instance": "instance",
}
_TARGET_PREFIXES = {
    "igw-": "internet_gateway",
    "nat-": "nat_gateway",
    "vgw-": "vpn_gateway",
}
_LOG_GROUP_ARN = re.compile(r":log-group:([^:]+)(?::\*)?$")
_ROLE_ARN = re.compile(r":role/(?:.*/)?([^/]+)$")


def _key(value: Any) -> Key | None:
    """Return the key of the resource a `Ref` or `Fn::GetAtt` value names."""
    if isinstance(value, ResourceRef | AttrRef):
        return value.key
    return None


def _keys(value: Any) -> tuple[Key, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(sorted(key for item in items if (key := _key(item)) is not None))


def vpcs(model: TemplateModel) -> list[Vpc]:
    return [
        Vpc(
            r.stack,
            r.logical_id,
            r.properties.get("CidrBlock"),
            as_bool(r.properties.get("EnableDnsHostnames")),
            as_bool(r.properties.get("EnableDnsSupport", True)),
        )
        for r in model.resources("AWS::EC2::VPC")
    ]


def routes(model: TemplateModel) -> list[Route]:
    result = []
    for r in model.resources("AWS::EC2::Route"):
        kind, target = "unknown", None
        for prop, prop_kind in _ROUTE_TARGETS.items():
            if prop in r.properties:
                target = r.properties[prop]
                kind = _target_kind(model, prop_kind, target)
                break
        destination = r.properties.get("DestinationCidrBlock")
        if destination is None:
            destination = r.properties.get("DestinationIpv6CidrBlock")
        route_table = _key(r.properties.get("RouteTableId"))
        result.append(
            Route(r.stack, r.logical_id, route_table, destination, kind, target)
        )
    return result


def _target_kind(model: TemplateModel, kind: str, target: Any) -> str:
    target_type = model.type_of(_key(target))
    if target_type in _TARGET_TYPES:
        return _TARGET_TYPES[target_type]
    if isinstance(target, str):
        for prefix, prefix_kind in _TARGET_PREFIXES.items():
            if target.startswith(prefix):
                return prefix_kind
    return kind


def default_routes(model: TemplateModel) -> dict[Key, Route]:
    """Map each route table to its 0.0.0.0/0 route (the first by logical ID)."""
    defaults: dict[Key, Route] = {}
    for route in sorted(model.routes, key=lambda item: item.key):
        if route.route_table and route.destination == DEFAULT_ROUTE:
            defaults.setdefault(route.route_table, route)
    return defaults


def subnets(model: TemplateModel) -> list[Subnet]:
    tables = _subnet_route_tables(model)
    defaults = model.default_routes
    result = []
    for r in model.resources("AWS::EC2::Subnet"):
        table = tables.get(r.key)
        default = defaults.get(table) if table else None
        az = model.follow(r.properties.get("AvailabilityZone"))
        if az is None:
            az = r.properties.get("AvailabilityZoneId")
        result.append(
            Subnet(
                r.stack,
                r.logical_id,
                r.properties.get("VpcId"),
                az,
                r.properties.get("CidrBlock"),
                table,
                default,
                _tier(default),
            )
        )
    return result


def _subnet_route_tables(model: TemplateModel) -> dict[Key, Key]:
    tables: dict[Key, Key] = {}
    for r in model.resources("AWS::EC2::SubnetRouteTableAssociation"):
        subnet = _key(r.properties.get("SubnetId"))
        table = _key(r.properties.get("RouteTableId"))
        if subnet and table:
            tables.setdefault(subnet, table)
    return tables


def _tier(default: Route | None) -> Tier:
    if default is None:
        return "isolated"
    return "public" if default.target_kind == "internet_gateway" else "private"


def nat_gateways(model: TemplateModel) -> list[NatGateway]:
    result = []
    for r in model.resources("AWS::EC2::NatGateway"):
        subnet_key = _key(r.properties.get("SubnetId"))
        subnet = model.subnet(subnet_key)
        connectivity = str(r.properties.get("ConnectivityType", "public"))
        az = subnet.az if subnet else None
        result.append(NatGateway(r.stack, r.logical_id, subnet_key, az, connectivity))
    return result


def internet_gateways(model: TemplateModel) -> list[InternetGateway]:
    attached: dict[Key, list[Key]] = {}
    for r in model.resources("AWS::EC2::VPCGatewayAttachment"):
        gateway = _key(r.properties.get("InternetGatewayId"))
        vpc = _key(r.properties.get("VpcId"))
        if gateway and vpc:
            attached.setdefault(gateway, []).append(vpc)
    return [
        InternetGateway(r.stack, r.logical_id, tuple(sorted(attached.get(r.key, []))))
        for r in model.resources("AWS::EC2::InternetGateway")
    ]


def nacls(model: TemplateModel) -> list[Nacl]:
    entries: dict[Key, list[NaclEntry]] = {}
    for r in model.resources("AWS::EC2::NetworkAclEntry"):
        nacl = _key(r.properties.get("NetworkAclId"))
        if nacl:
            entries.setdefault(nacl, []).append(
                _nacl_entry(r.stack, r.logical_id, r.properties)
            )
    associated: dict[Key, list[Key]] = {}
    for r in model.resources("AWS::EC2::SubnetNetworkAclAssociation"):
        nacl = _key(r.properties.get("NetworkAclId"))
        subnet = _key(r.properties.get("SubnetId"))
        if nacl and subnet:
            associated.setdefault(nacl, []).append(subnet)
    return [
        Nacl(
            r.stack,
            r.logical_id,
            r.properties.get("VpcId"),
            tuple(sorted(entries.get(r.key, []), key=lambda e: e.key)),
            tuple(sorted(set(associated.get(r.key, [])))),
        )
        for r in model.resources("AWS::EC2::NetworkAcl")
    ]


def _nacl_entry(stack: str, logical_id: str, props: dict[str, Any]) -> NaclEntry:
    protocol = normalize_protocol(props.get("Protocol"))
    ports: tuple[int, int] | None = None
    if protocol == ALL_PROTOCOLS:
        ports = (0, 65535)
    else:
        port_range = props.get("PortRange")
        if isinstance(port_range, dict):
            low, high = as_int(port_range.get("From")), as_int(port_range.get("To"))
            if low is not None and high is not None and low <= high:
                ports = (low, high)
    cidr = props.get("CidrBlock", props.get("Ipv6CidrBlock"))
    return NaclEntry(
        stack=stack,
        logical_id=logical_id,
        rule_number=as_int(props.get("RuleNumber")),
        protocol=protocol,
        ports=ports,
        cidr=cidr if isinstance(cidr, str) else None,
        egress=bool(as_bool(props.get("Egress", False))),
        action=str(props.get("RuleAction", "")).strip().lower(),
    )


def endpoints(model: TemplateModel) -> list[VpcEndpoint]:
    return [
        VpcEndpoint(
            r.stack,
            r.logical_id,
            r.properties.get("ServiceName"),
            str(r.properties.get("VpcEndpointType", "Gateway")),
            r.properties.get("VpcId"),
            _keys(r.properties.get("RouteTableIds", [])),
            _keys(r.properties.get("SubnetIds", [])),
        )
        for r in model.resources("AWS::EC2::VPCEndpoint")
    ]


def log_groups(model: TemplateModel) -> list[LogGroup]:
    return [
        LogGroup(
            r.stack,
            r.logical_id,
            r.properties.get("LogGroupName"),
            as_int(r.properties.get("RetentionInDays")),
            r.attributes.get("DeletionPolicy"),
        )
        for r in model.resources("AWS::Logs::LogGroup")
    ]


def flow_logs(model: TemplateModel) -> list[FlowLog]:
    result = []
    for r in model.resources("AWS::EC2::FlowLog"):
        props = r.properties
        destination = props.get("LogDestination")
        name = props.get("LogGroupName")
        group = _find_log_group(model, name) or _find_log_group(model, destination)
        role_arn = props.get("DeliverLogsPermissionArn")
        result.append(
            FlowLog(
                stack=r.stack,
                logical_id=r.logical_id,
                resource_type=props.get("ResourceType"),
                resource=props.get("ResourceId"),
                traffic_type=props.get("TrafficType"),
                destination_type=str(
                    props.get("LogDestinationType", "cloud-watch-logs")
                ),
                log_group_name=name if name is not None else destination,
                log_group=group,
                role=_find_role(model, role_arn),
                role_arn=role_arn,
            )
        )
    return result


def _find_log_group(model: TemplateModel, value: Any) -> Key | None:
    """Return the log group resource that a name, `Ref`, ARN or token points at."""
    for ref in references(value):
        if model.type_of(ref.key) == "AWS::Logs::LogGroup":
            return ref.key
    name = value if isinstance(value, str) else None
    if name is not None and (match := _LOG_GROUP_ARN.search(name)):
        name = match.group(1)
    if name is None:
        return None
    for group in model.log_groups:
        if group.name == name:
            return group.key
    return None


def _find_role(model: TemplateModel, value: Any) -> Key | None:
    for ref in references(value):
        if model.type_of(ref.key) == "AWS::IAM::Role":
            return ref.key
    if isinstance(value, str) and (match := _ROLE_ARN.search(value)):
        for r in model.resources("AWS::IAM::Role"):
            if r.properties.get("RoleName") == match.group(1):
                return r.key
    return None


def iam_roles(model: TemplateModel) -> list[IamRole]:
    attached = _attached_statements(model)
    result = []
    for r in model.resources("AWS::IAM::Role"):
        statements = list(attached.get(r.key, []))
        for policy in r.properties.get("Policies") or []:
            if isinstance(policy, dict):
                statements.extend(_statements(policy.get("PolicyDocument"), r.key))
        managed = r.properties.get("ManagedPolicyArns") or []
        for key in _keys(managed):
            managed_policy = model.resource(key)
            if managed_policy is not None:
                document = managed_policy.properties.get("PolicyDocument")
                statements.extend(_statements(document, key))
        trust = r.properties.get("AssumeRolePolicyDocument")
        result.append(
            IamRole(
                r.stack,
                r.logical_id,
                _trusted_services(trust),
                tuple(statements),
                tuple(managed) if isinstance(managed, list) else (managed,),
            )
        )
    return result


def _attached_statements(model: TemplateModel) -> dict[Key, list[PolicyStatement]]:
    """Map each role to the statements of the policies that name it in `Roles`."""
    role_names = {
        r.properties.get("RoleName"): r.key
        for r in model.resources("AWS::IAM::Role")
        if isinstance(r.properties.get("RoleName"), str)
    }
    attached: dict[Key, list[PolicyStatement]] = {}
    for policy_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for r in model.resources(policy_type):
            statements = _statements(r.properties.get("PolicyDocument"), r.key)
            roles = r.properties.get("Roles") or []
            role_keys = set(ref_keys(roles))
            role_keys |= {
                role_names[n] for n in roles if isinstance(n, str) and n in role_names
            }
            for role in role_keys:
                attached.setdefault(role, []).extend(statements)
    return attached


def _statements(document: Any, source: Key) -> list[PolicyStatement]:
    if not isinstance(document, dict):
        return []
    raw = document.get("Statement") or []
    items = raw if isinstance(raw, list) else [raw]
    result = []
    for statement in items:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or []
        actions = actions if isinstance(actions, list) else [actions]
        result.append(
            PolicyStatement(
                str(statement.get("Effect", "Allow")),
                tuple(str(a) for a in actions if isinstance(a, str | Token)),
                source,
            )
        )
    return result


def _trusted_services(document: Any) -> tuple[str, ...]:
    if not isinstance(document, dict):
        return ()
    raw = document.get("Statement") or []
    services: set[str] = set()
    for statement in raw if isinstance(raw, list) else [raw]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        service = principal.get("Service") if isinstance(principal, dict) else None
        for item in service if isinstance(service, list) else [service]:
            if item is not None:
                services.add(str(item))
    return tuple(sorted(services))
