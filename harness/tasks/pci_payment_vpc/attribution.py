"""Attribution table: the taxonomy items a template diff entry evidences (PCI VPC).

Rows match on resource type, entry kind, role attributes and property path,
never on logical IDs. The role attributes are those `harness.diff` computes.
Subnets and what serves them carry `tier`, `az`, `zone_subnets`, `az_counts`
("differ" when the two sides' subnets span unequal numbers of AZs) and
`subnet_paired`, which is "yes" when the subnet has a counterpart on the other
side. A changed subnet also carries `cidr_position`, "kept" when its CIDR moved
only because subnets of one side took or freed address space before it.
Subnets never pair across the public and private tiers, so a tier without a
counterpart in an AZ shows as a subnet on one side only. NACL entries carry
`direction`, `protocol`, `ports` and `action`, and endpoints carry `service`. Outputs carry `targets` and `attribute`, other resources `targets`
and `referrers` (short type names joined by `+`). Items 15-17 (tests, README,
scripts) are about project files, which a template diff cannot show.
"""

from __future__ import annotations

from harness.diff import Attribution, AttributionRule, EntryKind

SUBNET = "AWS::EC2::Subnet"
ROUTE = "AWS::EC2::Route"
NACL_ENTRY = "AWS::EC2::NetworkAclEntry"
OUTPUT = "Output"
ONLY_IDEAL: tuple[EntryKind, ...] = ("only_in_ideal",)
ONLY_MODEL: tuple[EntryKind, ...] = ("only_in_model",)
CHANGED: tuple[EntryKind, ...] = ("changed",)
FLOW_LOG_PATHS = (
    "Properties.TrafficType",
    "Properties.LogDestinationType",
    "Properties.LogGroupName",
    "Properties.LogDestination",
    "Properties.DeliverLogsPermissionArn",
    "Properties.ResourceId",
    "Properties.ResourceType",
)
ENDPOINT_PATHS = (
    "Properties.RouteTableIds",
    "Properties.VpcEndpointType",
    "Properties.ServiceName",
    "Properties.VpcId",
)
NACL_ENTRY_TRAFFIC_PATHS = (
    "Properties.CidrBlock",
    "Properties.Ipv6CidrBlock",
    "Properties.Egress",
    "Properties.Protocol",
    "Properties.PortRange*",
    "Properties.RuleAction",
    "Properties.NetworkAclId",
)
SUBNET_CHILDREN = (
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    ROUTE,
    "AWS::EC2::SubnetNetworkAclAssociation",
)


def _availability_zone_rules() -> list[AttributionRule]:
    rules = [
        AttributionRule(("1",), "subnet missing", type=SUBNET, kinds=ONLY_IDEAL),
        AttributionRule(
            ("1",),
            "CIDR shifted by the subnets of an AZ one side lacks",
            type=SUBNET,
            kinds=CHANGED,
            path="Properties.CidrBlock",
            role={"az_counts": "differ", "cidr_position": "kept"},
        ),
    ]
    rules += [
        AttributionRule(
            ("1",),
            "serves a subnet the model lacks",
            type=child,
            kinds=ONLY_IDEAL,
            role={"subnet_paired": "no"},
        )
        for child in SUBNET_CHILDREN
    ]
    rules += [
        AttributionRule(
            ("1",),
            "another subnet of the same tier in one AZ",
            type=resource_type,
            kinds=ONLY_MODEL,
            role={"subnet_paired": "no", "zone_subnets": "[2-9]*"},
        )
        for resource_type in (SUBNET, *SUBNET_CHILDREN)
    ]
    rules += [
        AttributionRule(
            ("1",),
            "subnet without a counterpart while the AZ counts differ",
            type=resource_type,
            kinds=ONLY_MODEL,
            role={"subnet_paired": "no", "az_counts": "differ"},
        )
        for resource_type in (SUBNET, *SUBNET_CHILDREN)
    ]
    return rules


def _nat_rules() -> list[AttributionRule]:
    return [
        AttributionRule(
            ("2",), "NAT gateway missing", type="AWS::EC2::NatGateway", kinds=ONLY_IDEAL
        ),
        AttributionRule(
            ("2",),
            "NAT gateway in another subnet",
            type="AWS::EC2::NatGateway",
            kinds=CHANGED,
            path="Properties.SubnetId",
        ),
        AttributionRule(
            ("2",),
            "NAT gateway address missing",
            type="AWS::EC2::EIP",
            kinds=ONLY_IDEAL,
        ),
        AttributionRule(
            ("2",),
            "private subnet lost its NAT default route",
            type=SUBNET,
            kinds=CHANGED,
            path="@role.tier",
            role={"tier": "private"},
        ),
        AttributionRule(
            ("2",),
            "private default route missing",
            type=ROUTE,
            kinds=ONLY_IDEAL,
            role={
                "tier": "private",
                "destination": "0.0.0.0/0",
                "subnet_paired": "yes",
            },
        ),
        AttributionRule(
            ("2",),
            "private default route targets another gateway",
            type=ROUTE,
            kinds=CHANGED,
            role={"tier": "private", "destination": "0.0.0.0/0"},
            path="Properties.*Id",
        ),
    ]


def _flow_log_rules() -> list[AttributionRule]:
    rules = [
        AttributionRule(
            ("3",), "flow log missing", type="AWS::EC2::FlowLog", kinds=ONLY_IDEAL
        ),
        AttributionRule(
            ("3",),
            "flow log role missing",
            type="AWS::IAM::Role",
            kinds=ONLY_IDEAL,
            role={"referrers": "*FlowLog*"},
        ),
        AttributionRule(
            ("3",),
            "flow log role policy missing or changed",
            type="AWS::IAM::Policy",
            kinds=ONLY_IDEAL + CHANGED,
            role={"targets": "*LogGroup*"},
            path=None,
        ),
    ]
    rules += [
        AttributionRule(
            ("3",),
            "flow log setting changed",
            type="AWS::EC2::FlowLog",
            kinds=CHANGED,
            path=path,
        )
        for path in FLOW_LOG_PATHS
    ]
    return rules


def _endpoint_rules() -> list[AttributionRule]:
    rules = [
        AttributionRule(
            ("4",),
            "S3 endpoint missing",
            type="AWS::EC2::VPCEndpoint",
            kinds=ONLY_IDEAL,
            role={"service": "s3"},
        )
    ]
    rules += [
        AttributionRule(
            ("4",),
            "S3 endpoint setting changed",
            type="AWS::EC2::VPCEndpoint",
            kinds=CHANGED,
            role={"service": "s3"},
            path=path,
        )
        for path in ENDPOINT_PATHS
    ]
    return rules


def _nacl_rules() -> list[AttributionRule]:
    return [
        AttributionRule(
            ("5",), "custom NACL missing", type="AWS::EC2::NetworkAcl", kinds=ONLY_IDEAL
        ),
        AttributionRule(
            ("5",),
            "NACL not associated with a private subnet",
            type="AWS::EC2::SubnetNetworkAclAssociation",
            kinds=ONLY_IDEAL,
            role={"subnet_paired": "yes"},
        ),
        AttributionRule(
            ("5",),
            "subnet associated with another NACL",
            type="AWS::EC2::SubnetNetworkAclAssociation",
            kinds=CHANGED,
            path="Properties.NetworkAclId",
        ),
        *_allow_entry_rules(("7",), "service port entry", ("443", "3306", "6379")),
        *_allow_entry_rules(("8",), "ephemeral port entry", ("1024-65535",)),
        AttributionRule(
            ("8",),
            "ephemeral range other than 1024-65535",
            type=NACL_ENTRY,
            kinds=ONLY_MODEL,
            role={"ports": "*-65535", "action": "allow"},
        ),
        AttributionRule(
            ("9",),
            "deny entry missing or changed",
            type=NACL_ENTRY,
            kinds=ONLY_IDEAL + CHANGED,
            role={"action": "deny"},
        ),
    ]


def _allow_entry_rules(
    items: tuple[str, ...], label: str, ports: tuple[str, ...]
) -> list[AttributionRule]:
    """Return rules for a missing allow entry or one whose traffic changed.

    The rule number of an allow entry is left out: its order among other allow
    entries does not change which traffic the NACL admits.
    """
    role: dict[str, str | tuple[str, ...]] = {"ports": ports, "action": "allow"}
    rules = [
        AttributionRule(
            items, f"{label} missing", type=NACL_ENTRY, kinds=ONLY_IDEAL, role=role
        )
    ]
    rules += [
        AttributionRule(
            items,
            f"{label} changed",
            type=NACL_ENTRY,
            kinds=CHANGED,
            role=role,
            path=path,
        )
        for path in NACL_ENTRY_TRAFFIC_PATHS
    ]
    return rules


def _tag_rules() -> list[AttributionRule]:
    return [
        AttributionRule(("6",), "required tag changed", kinds=CHANGED, path=path)
        for path in (
            "Properties.Tags",
            "Properties.Tags.Environment",
            "Properties.Tags.Project",
        )
    ]


def _log_group_rules() -> list[AttributionRule]:
    return [
        AttributionRule(
            ("10",), "log group missing", type="AWS::Logs::LogGroup", kinds=ONLY_IDEAL
        ),
        AttributionRule(
            ("10",),
            "retention changed",
            type="AWS::Logs::LogGroup",
            kinds=CHANGED,
            path="Properties.RetentionInDays",
        ),
    ]


def _output_rules() -> list[AttributionRule]:
    def output(items, reason, kinds=ONLY_IDEAL, path=None, **role):
        return AttributionRule(
            items,
            reason,
            type=OUTPUT,
            section="outputs",
            kinds=kinds,
            role=role,
            path=path,
        )

    return [
        output(("11",), "subnet output missing", targets="Subnet"),
        output(("11",), "subnet output changed", CHANGED, "Value", targets="*Subnet*"),
        output(("12",), "S3 endpoint output missing", targets="VPCEndpoint"),
        output(("13",), "flow log group output missing", targets="LogGroup"),
        output(
            ("14",), "VPC CIDR output missing", targets="VPC", attribute="CidrBlock"
        ),
        output(("14",), "export name missing or changed", CHANGED, "Export*"),
    ]


def _lambda_rules() -> list[AttributionRule]:
    return [
        AttributionRule(
            ("18",),
            "reserved concurrency differs",
            type="AWS::Lambda::Function",
            kinds=CHANGED,
            path="Properties.ReservedConcurrentExecutions",
        ),
        AttributionRule(
            ("18",),
            "function with reserved concurrency",
            type="AWS::Lambda::Function",
            kinds=ONLY_MODEL,
            has="Properties.ReservedConcurrentExecutions",
        ),
    ]


ATTRIBUTION = Attribution(
    name="pci-payment-vpc",
    rules=tuple(
        _availability_zone_rules()
        + _nat_rules()
        + _flow_log_rules()
        + _endpoint_rules()
        + _nacl_rules()
        + _tag_rules()
        + _log_group_rules()
        + _output_rules()
        + _lambda_rules()
    ),
)
