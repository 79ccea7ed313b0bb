"""Unit tests of the payment VPC stack, run on its synthesized template."""

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from lib.payment_vpc_stack import PaymentVpcStack

REQUIRED_TAGS = [
    {"Key": "Environment", "Value": "Production"},
    {"Key": "Project", "Value": "PaymentGateway"},
]


def synth(region: str | None = "us-east-1", suffix: str = "test") -> Template:
    app = cdk.App()
    env = cdk.Environment(account="123456789012", region=region) if region else None
    stack = PaymentVpcStack(
        app, f"PaymentVpcStack-{suffix}", environment_suffix=suffix, env=env
    )
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return synth()


def resources_of(template: Template, resource_type: str) -> dict:
    return template.find_resources(resource_type)


def subnet_tiers(template: Template) -> dict[str, str]:
    """Map each subnet's logical ID to "public" or "private" by its default route."""
    table_tier = {}
    for route in resources_of(template, "AWS::EC2::Route").values():
        props = route["Properties"]
        tier = "public" if "GatewayId" in props else "private"
        table_tier[props["RouteTableId"]["Ref"]] = tier
    associations = resources_of(template, "AWS::EC2::SubnetRouteTableAssociation")
    return {
        assoc["Properties"]["SubnetId"]["Ref"]: table_tier[
            assoc["Properties"]["RouteTableId"]["Ref"]
        ]
        for assoc in associations.values()
    }


def subnets_in(template: Template, tier: str) -> set[str]:
    return {subnet for subnet, t in subnet_tiers(template).items() if t == tier}


def nacl_entries(template: Template, *, egress: bool) -> list[dict]:
    entries = resources_of(template, "AWS::EC2::NetworkAclEntry").values()
    return [e["Properties"] for e in entries if e["Properties"]["Egress"] is egress]


def test_vpc_cidr_and_dns(template):
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.has_resource_properties(
        "AWS::EC2::VPC",
        {
            "CidrBlock": "10.0.0.0/16",
            "EnableDnsHostnames": True,
            "EnableDnsSupport": True,
        },
    )


def test_six_subnets_with_24_bit_masks(template):
    subnets = resources_of(template, "AWS::EC2::Subnet").values()
    assert len(subnets) == 6
    for subnet in subnets:
        assert subnet["Properties"]["CidrBlock"].endswith("/24")


@pytest.mark.parametrize("tier", ["public", "private"])
def test_each_tier_spans_three_named_azs(template, tier):
    subnets = resources_of(template, "AWS::EC2::Subnet")
    zones = sorted(
        subnets[logical_id]["Properties"]["AvailabilityZone"]
        for logical_id in subnets_in(template, tier)
    )
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_private_subnets_have_no_internet_gateway_route(template):
    routes = [
        r["Properties"] for r in resources_of(template, "AWS::EC2::Route").values()
    ]
    nat_tables = {r["RouteTableId"]["Ref"] for r in routes if "NatGatewayId" in r}
    igw_tables = {r["RouteTableId"]["Ref"] for r in routes if "GatewayId" in r}
    assert len(nat_tables) == 3
    assert len(igw_tables) == 3
    assert nat_tables.isdisjoint(igw_tables)


def test_three_azs_in_other_region():
    template = synth(region="eu-west-2")
    zones = {
        s["Properties"]["AvailabilityZone"]
        for s in resources_of(template, "AWS::EC2::Subnet").values()
    }
    assert zones == {"eu-west-2a", "eu-west-2b", "eu-west-2c"}


def test_env_agnostic_stack_uses_three_get_azs_positions():
    template = synth(region=None)
    positions = set()
    for subnet in resources_of(template, "AWS::EC2::Subnet").values():
        zone = subnet["Properties"]["AvailabilityZone"]
        assert "Fn::Select" in zone
        positions.add(zone["Fn::Select"][0])
    assert positions == {0, 1, 2}


def test_one_nat_gateway_per_public_subnet(template):
    template.resource_count_is("AWS::EC2::NatGateway", 3)
    template.resource_count_is("AWS::EC2::EIP", 3)
    nat_subnets = {
        nat["Properties"]["SubnetId"]["Ref"]
        for nat in resources_of(template, "AWS::EC2::NatGateway").values()
    }
    assert nat_subnets == subnets_in(template, "public")


def test_private_default_routes_use_distinct_nats(template):
    routes = resources_of(template, "AWS::EC2::Route").values()
    targets = [
        r["Properties"]["NatGatewayId"]["Ref"]
        for r in routes
        if "NatGatewayId" in r["Properties"]
    ]
    assert len(targets) == 3
    assert len(set(targets)) == 3
    for route in routes:
        assert route["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"


def test_private_subnet_routes_to_nat_in_same_az(template):
    subnets = resources_of(template, "AWS::EC2::Subnet")
    nat_zone = {
        nat_id: subnets[nat["Properties"]["SubnetId"]["Ref"]]["Properties"][
            "AvailabilityZone"
        ]
        for nat_id, nat in resources_of(template, "AWS::EC2::NatGateway").items()
    }
    table_nat = {
        route["Properties"]["RouteTableId"]["Ref"]: route["Properties"]["NatGatewayId"][
            "Ref"
        ]
        for route in resources_of(template, "AWS::EC2::Route").values()
        if "NatGatewayId" in route["Properties"]
    }
    associations = resources_of(template, "AWS::EC2::SubnetRouteTableAssociation")
    for assoc in associations.values():
        table = assoc["Properties"]["RouteTableId"]["Ref"]
        if table not in table_nat:
            continue
        subnet_zone = subnets[assoc["Properties"]["SubnetId"]["Ref"]]["Properties"][
            "AvailabilityZone"
        ]
        assert nat_zone[table_nat[table]] == subnet_zone


def test_network_acl_associated_with_private_subnets(template):
    template.resource_count_is("AWS::EC2::NetworkAcl", 1)
    associations = resources_of(template, "AWS::EC2::SubnetNetworkAclAssociation")
    assert len(associations) == 3
    subnet_refs = {a["Properties"]["SubnetId"]["Ref"] for a in associations.values()}
    assert subnet_refs == subnets_in(template, "private")


@pytest.mark.parametrize("egress", [False, True])
@pytest.mark.parametrize(
    "from_port,to_port", [(443, 443), (3306, 3306), (6379, 6379), (1024, 65535)]
)
def test_network_acl_allows_port(template, egress, from_port, to_port):
    allowed = [
        e
        for e in nacl_entries(template, egress=egress)
        if e["RuleAction"] == "allow"
        and e["Protocol"] == 6
        and e["PortRange"] == {"From": from_port, "To": to_port}
    ]
    assert len(allowed) == 1


@pytest.mark.parametrize("egress", [False, True])
def test_network_acl_denies_all_after_allows(template, egress):
    entries = nacl_entries(template, egress=egress)
    denies = [e for e in entries if e["RuleAction"] == "deny"]
    allows = [e for e in entries if e["RuleAction"] == "allow"]
    assert len(denies) == 1
    assert denies[0]["Protocol"] == -1
    assert denies[0]["CidrBlock"] == "0.0.0.0/0"
    assert denies[0]["RuleNumber"] > max(e["RuleNumber"] for e in allows)
    assert denies[0]["RuleNumber"] <= 32766


def test_flow_log_captures_all_traffic(template):
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": {"Ref": Match.any_value()},
            "DeliverLogsPermissionArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
        },
    )


def test_flow_log_role_trusts_flow_logs_service(template):
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Principal": {"Service": "vpc-flow-logs.amazonaws.com"}}
                    )
                ]
            }
        },
    )
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": Match.array_with(["logs:PutLogEvents"]),
                                "Effect": "Allow",
                            }
                        )
                    ]
                )
            }
        },
    )


def test_log_group_keeps_seven_days_and_is_destroyed(template):
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {
                "LogGroupName": "/aws/vpc/flow-logs/payment-test",
                "RetentionInDays": 7,
            },
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
        },
    )


def test_s3_gateway_endpoint_on_private_route_tables(template):
    template.resource_count_is("AWS::EC2::VPCEndpoint", 1)
    endpoint = next(iter(resources_of(template, "AWS::EC2::VPCEndpoint").values()))
    props = endpoint["Properties"]
    assert props.get("VpcEndpointType", "Gateway") == "Gateway"
    assert ".s3" in str(props["ServiceName"])
    route_tables = {ref["Ref"] for ref in props["RouteTableIds"]}
    private_tables = {
        assoc["Properties"]["RouteTableId"]["Ref"]
        for assoc in resources_of(
            template, "AWS::EC2::SubnetRouteTableAssociation"
        ).values()
        if assoc["Properties"]["SubnetId"]["Ref"] in subnets_in(template, "private")
    }
    assert len(route_tables) == 3
    assert route_tables == private_tables


@pytest.mark.parametrize(
    "resource_type",
    [
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::NatGateway",
        "AWS::EC2::FlowLog",
        "AWS::Logs::LogGroup",
    ],
)
def test_required_tags_on_every_resource(template, resource_type):
    for resource in resources_of(template, resource_type).values():
        tags = resource["Properties"]["Tags"]
        for tag in REQUIRED_TAGS:
            assert tag in tags


def test_outputs_export_every_id(template):
    outputs = template.find_outputs("*")
    expected = {
        "VpcId",
        "VpcCidr",
        "PublicSubnet1Id",
        "PublicSubnet2Id",
        "PublicSubnet3Id",
        "PrivateSubnet1Id",
        "PrivateSubnet2Id",
        "PrivateSubnet3Id",
        "S3EndpointId",
        "FlowLogGroupName",
    }
    assert set(outputs) == expected
    for name, output in outputs.items():
        assert output["Export"]["Name"] == f"PaymentVpcStack-test-{name}"


def test_names_carry_environment_suffix():
    template = synth(suffix="pr7")
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/aws/vpc/flow-logs/payment-pr7"}
    )
    template.has_resource_properties(
        "AWS::EC2::NetworkAcl",
        {
            "Tags": Match.array_with(
                [{"Key": "Name", "Value": "payment-private-nacl-pr7"}]
            )
        },
    )


def test_nothing_is_retained(template):
    for resource in template.to_json()["Resources"].values():
        assert resource.get("DeletionPolicy", "Delete") == "Delete"
        assert resource.get("UpdateReplacePolicy", "Delete") == "Delete"
