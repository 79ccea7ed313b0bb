"""The template diff on small hand-written templates: normalization, matching, attribution."""

from __future__ import annotations

import copy
import json

import pytest

from harness._synth_result import Stack
from harness.diff import (
    Attribution,
    AttributionRule,
    DiffInputError,
    TemplateDiff,
    diff_templates,
)

AZ_SELECT = {"Fn::Select": [1, {"Fn::GetAZs": ""}]}


def _stack(resources: dict, outputs: dict | None = None, name: str = "Net") -> Stack:
    template: dict = {"Resources": resources}
    if outputs:
        template["Outputs"] = outputs
    return Stack(name=name, template=template, template_file=f"{name}.template.json")


def _vpc_template(prefix: str, zone=AZ_SELECT, tags=None) -> dict:
    """Return a VPC with one private subnet that routes to a NAT gateway."""
    vpc, subnet, table = f"{prefix}Vpc", f"{prefix}Subnet", f"{prefix}Table"
    public, nat = f"{prefix}Public", f"{prefix}Nat"
    tags = tags or [
        {"Key": "Environment", "Value": "Production"},
        {"Key": "Project", "Value": "PaymentGateway"},
    ]
    return {
        vpc: {
            "Type": "AWS::EC2::VPC",
            "Properties": {"CidrBlock": "10.0.0.0/16", "Tags": tags},
        },
        subnet: {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": vpc},
                "CidrBlock": "10.0.1.0/24",
                "AvailabilityZone": zone,
            },
        },
        public: {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": vpc},
                "CidrBlock": "10.0.0.0/24",
                "AvailabilityZone": zone,
                "MapPublicIpOnLaunch": True,
            },
        },
        nat: {
            "Type": "AWS::EC2::NatGateway",
            "Properties": {"SubnetId": {"Ref": public}},
        },
        table: {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": vpc}}},
        f"{prefix}Association": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": {"Ref": subnet}, "RouteTableId": {"Ref": table}},
        },
        f"{prefix}Route": {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": table},
                "DestinationCidrBlock": "0.0.0.0/0",
                "NatGatewayId": {"Ref": nat},
            },
        },
    }


def test_refs_compare_by_counterpart():
    result = diff_templates(
        [_stack(_vpc_template("Alpha"))], [_stack(_vpc_template("Beta"))]
    )
    assert result.entries == []
    pairs = {(p.ideal.logical_id, p.model.logical_id) for p in result.pairs}
    assert ("AlphaSubnet", "BetaSubnet") in pairs
    assert ("AlphaPublic", "BetaPublic") in pairs
    assert ("AlphaRoute", "BetaRoute") in pairs


def test_literal_and_selected_zones_are_equal():
    selected = _vpc_template("A", zone=AZ_SELECT)
    literal = _vpc_template("B", zone="eu-west-1b")
    result = diff_templates([_stack(selected)], [_stack(literal)], region="eu-west-1")
    assert result.entries == []
    roles = {p.role for p in result.pairs if p.type == "AWS::EC2::Subnet"}
    assert "subnet(az=eu-west-1b, tier=private)" in roles


def test_other_zone_is_not_paired():
    result = diff_templates(
        [_stack(_vpc_template("A", zone="us-east-1a"))],
        [_stack(_vpc_template("B", zone="us-east-1c"))],
    )
    kinds = {(e.kind, e.type) for e in result.entries}
    assert ("only_in_ideal", "AWS::EC2::Subnet") in kinds
    assert ("only_in_model", "AWS::EC2::Subnet") in kinds


def test_tag_order_is_ignored():
    reordered = [
        {"Key": "Project", "Value": "PaymentGateway"},
        {"Key": "Environment", "Value": "Production"},
    ]
    result = diff_templates(
        [_stack(_vpc_template("A"))], [_stack(_vpc_template("B", tags=reordered))]
    )
    assert result.entries == []


def test_missing_tag_has_tag_path():
    result = diff_templates(
        [_stack(_vpc_template("A"))],
        [
            _stack(
                _vpc_template("B", tags=[{"Key": "Environment", "Value": "Production"}])
            )
        ],
    )
    assert len(result.entries) == 1
    entry = result.entries[0]
    assert entry.path == "Properties.Tags.Project"
    assert entry.change == "removed"
    assert entry.ideal_value == "PaymentGateway"
    assert entry.model_value is None


def test_subnet_tier_change_is_reported():
    model = _vpc_template("B")
    del model["BRoute"]
    result = diff_templates([_stack(_vpc_template("A"))], [_stack(model)])
    tier = [e for e in result.entries if e.path == "@role.tier"]
    assert len(tier) == 1
    assert (tier[0].ideal_value, tier[0].model_value) == ("private", "isolated")
    missing = [e for e in result.entries if e.kind == "only_in_ideal"]
    assert [e.type for e in missing] == ["AWS::EC2::Route"]


def test_cdk_bookkeeping_is_dropped():
    ideal = _vpc_template("A")
    model = _vpc_template("B")
    model["CDKMetadata"] = {
        "Type": "AWS::CDK::Metadata",
        "Properties": {"Analytics": "v2:deflate64:abc"},
        "Condition": "CDKMetadataAvailable",
    }
    model["BSubnet"]["Metadata"] = {"aws:cdk:path": "Net/B/Subnet"}
    model["BRoute"]["DependsOn"] = ["BNat"]
    template = {
        "Resources": model,
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Conditions": {
            "CDKMetadataAvailable": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}
        },
    }
    stack = Stack(name="Net", template=template, template_file="Net.template.json")
    result = diff_templates([_stack(ideal)], [stack])
    assert result.entries == []
    assert "AWS::CDK::Metadata" not in result.counts


def test_names_with_logical_ids_and_hashes():
    def policy_template(role_id: str, policy_id: str, digest: str) -> dict:
        return {
            role_id: {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17"}},
            },
            policy_id: {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": policy_id,
                    "Roles": [{"Ref": role_id}],
                    "PolicyDocument": {"Statement": [{"Resource": f"{digest}.zip"}]},
                },
            },
        }

    ideal = policy_template("RoleA1B2C3D4", "RoleDefaultPolicyAAAA1111", "a" * 64)
    model = policy_template("WorkerE5F60718", "WorkerDefaultPolicyBBBB2222", "b" * 64)
    result = diff_templates([_stack(ideal)], [_stack(model)])
    assert result.entries == []


def test_stack_name_in_export_is_ignored():
    ideal = _stack(
        _vpc_template("A"),
        {"Vpc": {"Value": {"Ref": "AVpc"}, "Export": {"Name": "Blue-VpcId"}}},
        name="Blue",
    )
    model = _stack(
        _vpc_template("B"),
        {"Out1": {"Value": {"Ref": "BVpc"}, "Export": {"Name": "Green-VpcId"}}},
        name="Green",
    )
    assert diff_templates([ideal], [model]).entries == []


def test_output_export_change_is_entry():
    ideal = _stack(
        _vpc_template("A"),
        {"Vpc": {"Value": {"Ref": "AVpc"}, "Export": {"Name": "Net-VpcId"}}},
    )
    model = _stack(
        _vpc_template("B"),
        {"VpcOut": {"Value": {"Ref": "BVpc"}, "Description": "the VPC"}},
    )
    result = diff_templates([ideal], [model])
    assert [(e.kind, e.section, e.path, e.change) for e in result.entries] == [
        ("changed", "outputs", "Export", "removed")
    ]


def test_competing_resources_assigned_by_similarity():
    def queues(names: list[str], delays: list[int]) -> dict:
        return {
            name: {
                "Type": "AWS::SQS::Queue",
                "Properties": {"DelaySeconds": delay, "VisibilityTimeout": 30},
            }
            for name, delay in zip(names, delays)
        }

    ideal = queues(["Q1", "Q2", "Q3"], [5, 10, 15])
    model = queues(["Z1", "Z2", "Z3"], [15, 5, 10])
    result = diff_templates([_stack(ideal)], [_stack(model)])
    assert result.entries == []
    pairs = {(p.ideal.logical_id, p.model.logical_id) for p in result.pairs}
    assert pairs == {("Q1", "Z2"), ("Q2", "Z3"), ("Q3", "Z1")}


def test_nacl_entries_match_by_traffic():
    def nacl(prefix: str, entries: list[tuple[int, int, bool]]) -> dict:
        resources: dict = {
            f"{prefix}Acl": {"Type": "AWS::EC2::NetworkAcl", "Properties": {}}
        }
        for number, port, egress in entries:
            resources[f"{prefix}Entry{port}{egress}"] = {
                "Type": "AWS::EC2::NetworkAclEntry",
                "Properties": {
                    "NetworkAclId": {"Ref": f"{prefix}Acl"},
                    "Protocol": 6,
                    "PortRange": {"From": port, "To": port},
                    "Egress": egress,
                    "RuleAction": "allow",
                    "CidrBlock": "10.0.0.0/16",
                    "RuleNumber": number,
                },
            }
        return resources

    ideal = nacl("A", [(100, 443, False), (110, 3306, False), (100, 443, True)])
    model = nacl("B", [(200, 3306, False), (210, 443, False)])
    model["BEntry3306False"]["Properties"]["Protocol"] = "6"
    result = diff_templates([_stack(ideal)], [_stack(model)])
    summary = sorted((e.kind, e.role, e.path) for e in result.entries)
    assert summary == [
        ("changed", _entry_role("ingress", 3306), "Properties.RuleNumber"),
        ("changed", _entry_role("ingress", 443), "Properties.RuleNumber"),
        ("only_in_ideal", _entry_role("egress", 443), ""),
    ]


def _entry_role(direction: str, port: int) -> str:
    return (
        f"nacl-entry(action=allow, cidr=10.0.0.0/16, direction={direction}, "
        f"ports={port}, protocol=tcp)"
    )


def test_endpoint_service_from_join():
    def endpoint(name: str, service) -> dict:
        return {
            name: {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {"ServiceName": service, "VpcId": "vpc-1"},
            }
        }

    joined = {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}
    result = diff_templates(
        [_stack(endpoint("E1", joined))],
        [_stack(endpoint("E2", "com.amazonaws.us-east-1.s3"))],
    )
    assert result.entries == []
    assert result.pairs[0].role == "vpc-endpoint(endpoint_type=Gateway, service=s3)"


def test_attribution_rules_and_inheritance():
    ideal = _vpc_template("A")
    model = _vpc_template("B")
    model["BFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Role": {"Fn::GetAtt": ["BFunctionRole", "Arn"]},
            "ReservedConcurrentExecutions": 5,
        },
    }
    model["BFunctionRole"] = {"Type": "AWS::IAM::Role", "Properties": {}}

    table = Attribution(
        "example",
        (
            AttributionRule(
                ("18",),
                "hard-coded concurrency",
                type="AWS::Lambda::Function",
                kinds=("only_in_model",),
                has="Properties.ReservedConcurrentExecutions",
            ),
        ),
    )
    result = diff_templates([_stack(ideal)], [_stack(model)], table)

    by_type = {e.type: e for e in result.entries}
    assert by_type["AWS::Lambda::Function"].items == ("18",)
    assert by_type["AWS::IAM::Role"].items == ("18",)
    assert by_type["AWS::IAM::Role"].reasons == (
        "supports a AWS::Lambda::Function that is only in the model",
    )
    assert result.explained_share == 1.0
    assert result.attribution == "example"


def test_role_glob_matches_attribute():
    rule = AttributionRule(
        ("8",),
        "other ephemeral range",
        type="AWS::EC2::NetworkAclEntry",
        role={"ports": "*-65535"},
    )
    ideal = {}
    model = {
        "Entry": {
            "Type": "AWS::EC2::NetworkAclEntry",
            "Properties": {"Protocol": 6, "PortRange": {"From": 32768, "To": 65535}},
        }
    }
    result = diff_templates(
        [_stack(ideal)], [_stack(model)], Attribution("example", (rule,))
    )
    assert [e.items for e in result.entries] == [("8",)]


def test_unexplained_without_attribution():
    model = _vpc_template("B")
    model["BVpc"]["Properties"]["CidrBlock"] = "10.1.0.0/16"
    result = diff_templates([_stack(_vpc_template("A"))], [_stack(model)])
    assert len(result.unexplained) == 1
    assert result.explained_share == 0.0
    assert result.unexplained[0].path == "Properties.CidrBlock"


def test_round_trip_through_json():
    model = _vpc_template("B", tags=[{"Key": "Environment", "Value": "Staging"}])
    result = diff_templates([_stack(_vpc_template("A"))], [_stack(model)])
    text = json.dumps(result.to_dict(), sort_keys=True)
    restored = TemplateDiff.from_dict(json.loads(text))
    assert restored.entries == result.entries
    assert restored.pairs == result.pairs
    assert json.dumps(restored.to_dict(), sort_keys=True) == text


def test_input_is_not_modified():
    ideal = _vpc_template("A")
    before = copy.deepcopy(ideal)
    diff_templates([_stack(ideal)], [_stack(_vpc_template("B"))])
    assert ideal == before


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ([], "expected a JSON object, got list"),
        ({"Resources": []}, "Resources is a list"),
        ({"Resources": {"Thing": {"Properties": {}}}}, "'Thing' in stack 'Net'"),
        ({"Resources": {"Thing": "text"}}, "invalid resource 'Thing'"),
    ],
)
def test_invalid_template_raises(template, message):
    stack = Stack(name="Net", template=template, template_file="Net.template.json")
    with pytest.raises(DiffInputError, match=message):
        diff_templates([stack], [stack])


def test_attribution_of_wrong_type_raises():
    stack = _stack(_vpc_template("A"))
    with pytest.raises(DiffInputError, match="expected a harness.diff.Attribution"):
        diff_templates([stack], [stack], {"rules": []})  # type: ignore[arg-type]


def test_stacks_are_pooled_per_side():
    resources = _vpc_template("A")
    logs = {
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}}
    }
    ideal = [_stack({**resources, **logs}, name="All")]
    model = [_stack(_vpc_template("B"), name="Network"), _stack(logs, name="Audit")]
    result = diff_templates(ideal, model)
    assert result.entries == []
    log_pair = [p for p in result.pairs if p.type == "AWS::Logs::LogGroup"]
    assert [(p.ideal.stack, p.model.stack) for p in log_pair] == [("All", "Audit")]


def test_parameters_and_conditions_pair_by_use():
    def template(parameter: str, condition: str) -> dict:
        return {
            "Parameters": {parameter: {"Type": "String", "Default": "dev"}},
            "Conditions": {
                condition: {"Fn::Equals": [{"Ref": parameter}, "prod"]},
            },
            "Resources": {
                "Logs": {
                    "Type": "AWS::Logs::LogGroup",
                    "Condition": condition,
                    "Properties": {"LogGroupName": {"Ref": parameter}},
                }
            },
        }

    ideal = Stack("Net", template("Suffix", "IsProd"), "Net.template.json")
    model = Stack("Net", template("EnvName", "Production"), "Net.template.json")
    result = diff_templates([ideal], [model])
    assert result.entries == []
    sections = sorted(p.section for p in result.pairs)
    assert sections == ["conditions", "parameters", "resources"]


def test_stack_name_inside_word_is_kept():
    def output(stack_name: str) -> dict:
        return {"Out": {"Value": "Network", "Export": {"Name": f"{stack_name}-Out"}}}

    ideal = _stack(_vpc_template("A"), output("Net"), name="Net")
    model = _stack(_vpc_template("B"), output("Web"), name="Web")
    assert diff_templates([ideal], [model]).entries == []


def test_fn_if_conditions_pair_by_use():
    def template(condition: str) -> dict:
        return {
            "Conditions": {condition: {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}},
            "Resources": {
                "Queue": {
                    "Type": "AWS::SQS::Queue",
                    "Properties": {
                        "DelaySeconds": {"Fn::If": [condition, 5, 0]},
                        "VisibilityTimeout": {
                            "Fn::If": [
                                condition,
                                {"Fn::If": [condition, 30, 60]},
                                {"Ref": "AWS::NoValue"},
                            ]
                        },
                    },
                }
            },
        }

    ideal = Stack("Net", template("IsProd"), "Net.template.json")
    model = Stack("Net", template("Production"), "Net.template.json")
    assert diff_templates([ideal], [model]).entries == []


def test_shared_route_table_role():
    resources = _vpc_template("A")
    resources["ASecond"] = {
        "Type": "AWS::EC2::Subnet",
        "Properties": {
            "VpcId": {"Ref": "AVpc"},
            "CidrBlock": "10.0.2.0/24",
            "AvailabilityZone": "us-east-1c",
        },
    }
    resources["ASecondAssociation"] = {
        "Type": "AWS::EC2::SubnetRouteTableAssociation",
        "Properties": {
            "SubnetId": {"Ref": "ASecond"},
            "RouteTableId": {"Ref": "ATable"},
        },
    }
    result = diff_templates([_stack(resources)], [_stack(resources)])
    roles = {p.role for p in result.pairs if p.type == "AWS::EC2::RouteTable"}
    assert roles == {"route-table(az=shared, subnets=2, tier=private)"}
    routes = {p.role for p in result.pairs if p.type == "AWS::EC2::Route"}
    assert routes == {
        "route(az=shared, destination=0.0.0.0/0, subnets=2, target=nat, tier=private)"
    }
