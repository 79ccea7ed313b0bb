"""TemplateModel: intrinsic resolution and the typed network views."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness._synth_result import SourceSite, Stack, SynthResult
from harness.template import (
    AttrRef,
    NaclEntry,
    ResourceRef,
    TemplateModel,
    Token,
    normalize_protocol,
)

BASE = Path(__file__).resolve().parent / "fixtures" / "templates" / "pci_vpc.json"
VPC = "Network1C6012B5"


def model_of(resources: dict, region: str = "us-east-1", **sections) -> TemplateModel:
    template = {"Resources": resources, **sections}
    return TemplateModel([Stack("S", template, "S.template.json")], region=region)


def subnet(az, cidr="10.0.0.0/24") -> dict:
    return {
        "Type": "AWS::EC2::Subnet",
        "Properties": {
            "VpcId": {"Ref": "Vpc"},
            "AvailabilityZone": az,
            "CidrBlock": cidr,
        },
    }


def entry(**props) -> dict:
    return {
        "Type": "AWS::EC2::NetworkAclEntry",
        "Properties": {
            "NetworkAclId": {"Ref": "Acl"},
            "CidrBlock": "0.0.0.0/0",
            **props,
        },
    }


@pytest.fixture(scope="module")
def pci() -> TemplateModel:
    template = json.loads(BASE.read_text())
    return TemplateModel([Stack("PciNetwork", template, "PciNetwork.template.json")])


# Resolution


def test_get_azs_selection_uses_region():
    model = model_of(
        {
            "A": subnet({"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
            "B": subnet({"Fn::Select": ["2", {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}),
        },
        region="eu-west-2",
    )
    assert [s.az for s in model.subnets] == ["eu-west-2a", "eu-west-2c"]


def test_get_azs_of_named_region():
    model = model_of({"A": subnet({"Fn::Select": [5, {"Fn::GetAZs": "ap-south-1"}]})})
    assert model.subnets[0].az == "ap-south-1f"


def test_literal_azs_and_literal_list_selection():
    model = model_of(
        {
            "A": subnet("us-west-2b"),
            "B": subnet({"Fn::Select": [1, ["x-1a", "x-1b"]]}),
        }
    )
    assert [s.az for s in model.subnets] == ["us-west-2b", "x-1b"]


def test_select_out_of_range_is_token():
    model = model_of({"A": subnet({"Fn::Select": [9, {"Fn::GetAZs": ""}]})})
    assert isinstance(model.subnets[0].az, Token)


def test_join_builds_service_name():
    model = model_of(
        {
            "E": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {
                    "ServiceName": {
                        "Fn::Join": [
                            "",
                            ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"],
                        ]
                    },
                    "VpcId": "vpc-1",
                },
            }
        },
        region="eu-central-1",
    )
    endpoint = model.endpoints[0]
    assert endpoint.service_name == "com.amazonaws.eu-central-1.s3"
    assert endpoint.service == "s3"


def test_omitted_endpoint_type_is_gateway():
    model = model_of(
        {
            "E": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {
                    "ServiceName": "com.amazonaws.us-east-1.s3",
                    "VpcId": "v",
                },
            }
        }
    )
    assert model.endpoints[0].type == "Gateway"


def test_sub_resolves_pseudo_parameters_and_keeps_refs():
    model = model_of(
        {"G": {"Type": "AWS::Logs::LogGroup", "Properties": {}}},
        Outputs={
            "Arn": {
                "Value": {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:x"}
            },
            "Mixed": {"Value": {"Fn::Sub": ["${Name}-${G}", {"Name": "flow"}]}},
            "Literal": {"Value": {"Fn::Sub": "${!NotAVar}"}},
        },
        region="cn-north-1",
    )
    values = {o.name: o.value for o in model.outputs}
    assert values["Arn"] == "arn:aws-cn:logs:cn-north-1:x"
    assert isinstance(values["Mixed"], Token)
    assert values["Mixed"].text == "flow-${G}"
    assert ResourceRef("S", "G") in values["Mixed"].refs
    assert values["Literal"] == "${NotAVar}"


def test_parameter_default_and_missing_default():
    model = model_of(
        {"A": subnet({"Ref": "Zone"}, {"Ref": "Cidr"})},
        Parameters={
            "Zone": {"Type": "String", "Default": "us-east-1d"},
            "Cidr": {"Type": "String"},
        },
    )
    assert model.subnets[0].az == "us-east-1d"
    assert isinstance(model.subnets[0].cidr, Token)


def test_unknown_intrinsic_stays_symbolic():
    model = model_of({"A": subnet({"Fn::Cidr": ["10.0.0.0/16", 6, 8]})})
    assert isinstance(model.subnets[0].az, Token)


def test_condition_false_drops_resource():
    model = model_of(
        {
            "A": {**subnet("us-east-1a"), "Condition": "IsProd"},
            "B": subnet("us-east-1b"),
        },
        Conditions={"IsProd": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
    )
    assert [s.logical_id for s in model.subnets] == ["B"]


def test_import_value_resolves_across_stacks():
    network = Stack(
        "Network",
        {
            "Resources": {"Sub": subnet("us-east-1a")},
            "Outputs": {
                "SubId": {"Value": {"Ref": "Sub"}, "Export": {"Name": "sub-id"}}
            },
        },
        "Network.template.json",
    )
    app = Stack(
        "App",
        {
            "Resources": {},
            "Outputs": {"Again": {"Value": {"Fn::ImportValue": "sub-id"}}},
        },
        "App.template.json",
    )
    model = TemplateModel([network, app])
    again = next(o for o in model.outputs if o.name == "Again")
    assert again.names(("Network", "Sub"))


def test_get_att_of_id_attribute_is_ref():
    model = model_of(
        {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {"CidrBlock": "10.0.0.0/16"},
            },
            "A": subnet("us-east-1a"),
        },
        Outputs={
            "Id": {"Value": {"Fn::GetAtt": ["A", "SubnetId"]}},
            "Vpc": {"Value": {"Fn::GetAtt": "Vpc.VpcId"}},
            "Zone": {"Value": {"Fn::GetAtt": ["A", "AvailabilityZone"]}},
        },
    )
    outputs = {o.name: o for o in model.outputs}
    assert outputs["Id"].value == ResourceRef("S", "A")
    assert outputs["Vpc"].value == ResourceRef("S", "Vpc")
    assert outputs["Zone"].value == AttrRef("S", "A", "AvailabilityZone")
    assert not outputs["Zone"].names(("S", "A"))


def test_get_att_echoing_a_property_follows_it(pci):
    cidr_output = next(o for o in pci.outputs if o.name == "VpcCidr")
    assert cidr_output.value == AttrRef("PciNetwork", VPC, "CidrBlock")
    assert pci.follow(cidr_output.value) == "10.0.0.0/16"


# Network views


def test_tiers_from_default_routes(pci):
    tiers = sorted(s.tier for s in pci.subnets)
    assert tiers == ["private"] * 3 + ["public"] * 3
    assert {s.az for s in pci.public_subnets} == {
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    }


def test_default_routes_per_route_table(pci):
    targets = sorted(r.target_kind for r in pci.default_routes.values())
    assert targets == ["internet_gateway"] * 3 + ["nat_gateway"] * 3
    for subnet in pci.subnets:
        assert pci.default_routes[subnet.route_table] == subnet.default_route


def test_subnet_without_route_table_is_isolated():
    model = model_of({"A": subnet("us-east-1a")})
    assert model.subnets[0].tier == "isolated"
    assert model.subnets[0].route_table is None
    assert model.private_subnets == model.subnets


def test_nat_gateways_carry_subnet_az(pci):
    azs = sorted(n.az for n in pci.nat_gateways)
    assert azs == ["us-east-1a", "us-east-1b", "us-east-1c"]
    public = {s.key for s in pci.public_subnets}
    assert all(n.subnet in public for n in pci.nat_gateways)


def test_internet_gateway_attachment(pci):
    (gateway,) = pci.internet_gateways
    assert gateway.vpcs == (("PciNetwork", VPC),)


def test_nacl_associations_and_entries(pci):
    (acl,) = pci.nacls
    assert acl.subnets == tuple(sorted(s.key for s in pci.private_subnets))
    assert len(acl.entries) == 10
    assert acl.allowing_entries(443, egress=False)[0].rule_number == 100


def test_flow_log_traced_to_group_and_role(pci):
    (flow,) = pci.flow_logs
    assert flow.resource_key == ("PciNetwork", VPC)
    assert flow.log_group == ("PciNetwork", "FlowLogGroup3E25AA51")
    assert flow.destination_type == "cloud-watch-logs"
    role = pci.iam_role(flow.role)
    assert role.trusted_services == ("vpc-flow-logs.amazonaws.com",)
    assert role.allows("logs:PutLogEvents")
    assert not role.allows("s3:GetObject")


def test_log_group_retention(pci):
    (group,) = pci.log_groups
    assert group.retention_days == 7


# NACL entries


@pytest.mark.parametrize(
    ("value", "number"),
    [("6", 6), (6, 6), ("tcp", 6), ("-1", -1), (-1, -1), ("all", -1), ("17", 17)],
)
def test_protocol_normalized(value, number):
    assert normalize_protocol(value) == number


def test_port_range_covers():
    item = NaclEntry("S", "E", 100, 6, (1024, 65535), "0.0.0.0/0", False, "allow")
    assert item.covers(3306)
    assert not item.covers(443)
    assert item.covers_range(1024, 65535)
    assert not item.covers_range(1000, 2000)
    assert not item.covers(3306, protocol=17)


def test_protocol_all_covers_every_port():
    model = model_of(
        {
            "Acl": {"Type": "AWS::EC2::NetworkAcl"},
            "E": entry(Protocol="-1", RuleNumber=100, RuleAction="allow"),
        }
    )
    (item,) = model.nacls[0].entries
    assert item.ports == (0, 65535)
    assert item.covers(6379)
    assert item.covers(53, protocol=17)


def test_tcp_entry_without_port_range_covers_nothing():
    model = model_of(
        {
            "Acl": {"Type": "AWS::EC2::NetworkAcl"},
            "E": entry(Protocol=6, RuleNumber=1, RuleAction="allow"),
        }
    )
    assert not model.nacls[0].entries[0].covers(443)


def test_lower_deny_shadows_allow():
    model = model_of(
        {
            "Acl": {"Type": "AWS::EC2::NetworkAcl"},
            "Deny": entry(
                Protocol=6,
                RuleNumber=50,
                RuleAction="deny",
                PortRange={"From": 1000, "To": 2000},
            ),
            "Allow": entry(
                Protocol=6,
                RuleNumber=100,
                RuleAction="allow",
                PortRange={"From": 1024, "To": 65535},
                Egress="false",
            ),
        }
    )
    acl = model.nacls[0]
    assert acl.allowed_ports(egress=False) == [(2001, 65535)]
    assert not acl.allows_range(1024, 65535, egress=False)
    assert acl.allowing_entries(1500, egress=False) == []


def test_narrow_deny_does_not_shadow_wider_allow():
    model = model_of(
        {
            "Acl": {"Type": "AWS::EC2::NetworkAcl"},
            "Deny": entry(
                Protocol=6,
                RuleNumber=50,
                RuleAction="deny",
                CidrBlock="10.9.0.0/16",
                PortRange={"From": 443, "To": 443},
            ),
            "Allow": entry(
                Protocol=6,
                RuleNumber=100,
                RuleAction="allow",
                PortRange={"From": 443, "To": 443},
            ),
        }
    )
    assert model.nacls[0].allows_port(443, egress=False)


# Tags, outputs, evidence


def test_tags_list_and_map_forms():
    model = model_of(
        {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {
                    "CidrBlock": "10.0.0.0/16",
                    "Tags": [
                        {
                            "Key": "Project",
                            "Value": {"Fn::Join": ["", ["Payment", "Gateway"]]},
                        }
                    ],
                },
            },
            "Param": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Type": "String",
                    "Value": "v",
                    "Tags": {"Environment": "Production"},
                },
            },
        }
    )
    assert model.tags(("S", "Vpc")) == {"Project": "PaymentGateway"}
    assert model.tags(("S", "Param")) == {"Environment": "Production"}


def test_stack_tags_apply_to_resources():
    stack = Stack(
        "S",
        {
            "Resources": {
                "Vpc": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {"Tags": [{"Key": "Project", "Value": "Own"}]},
                }
            }
        },
        "S.template.json",
    )
    model = TemplateModel(
        [stack], stack_tags={"S": {"Project": "Stack", "Environment": "Production"}}
    )
    assert model.tags(("S", "Vpc")) == {"Project": "Own", "Environment": "Production"}


def test_from_synth_reads_env_and_stack_tags():
    stack = Stack(
        "S",
        {"Resources": {"A": subnet({"Fn::Select": [0, {"Fn::GetAZs": ""}]})}},
        "S.template.json",
    )
    manifest = {
        "artifacts": {
            "S": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://111122223333/ap-northeast-1",
                "properties": {
                    "templateFile": "S.template.json",
                    "tags": {"Environment": "Production"},
                },
            }
        }
    }
    model = TemplateModel.from_synth(SynthResult("python", "app.py", [stack], manifest))
    assert model.subnets[0].az == "ap-northeast-1a"
    assert model.tags(("S", "A")) == {"Environment": "Production"}


def test_unknown_env_falls_back_to_defaults():
    stack = Stack(
        "S",
        {"Resources": {"A": subnet({"Fn::Select": [1, {"Fn::GetAZs": ""}]})}},
        "S.template.json",
    )
    manifest = {
        "artifacts": {"S": {"environment": "aws://unknown-account/unknown-region"}}
    }
    model = TemplateModel.from_synth(
        SynthResult("python", "app.py", [stack], manifest), region="sa-east-1"
    )
    assert model.subnets[0].az == "sa-east-1b"


def test_outputs_resolve_value_and_export(pci):
    outputs = {o.name: o for o in pci.outputs}
    assert outputs["VpcId"].value == ResourceRef("PciNetwork", VPC)
    assert outputs["VpcId"].export_name == "pci-VpcId"
    assert outputs["S3EndpointId"].names(("PciNetwork", "NetworkS3EndpointDED08CEB"))


def test_symbolic_export_name():
    model = model_of(
        {},
        Outputs={
            "O": {
                "Value": "x",
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-${Missing}"}},
            }
        },
    )
    export = model.outputs[0].export_name
    assert isinstance(export, Token)
    assert export.text == "S-${Missing}"


def test_evidence_carries_construct_path_and_site():
    stack = Stack(
        "S",
        {
            "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}},
            "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
        },
        "S.template.json",
        construct_paths={"Vpc": "S/Network/Resource"},
        sites={"Vpc": SourceSite("lib/stack.py", 21)},
    )
    model = TemplateModel([stack])
    found = model.evidence(("S", "Vpc"), "note")
    assert found.construct_path == "S/Network/Resource"
    assert found.resource_type == "AWS::EC2::VPC"
    assert (found.file, found.line) == ("lib/stack.py", 21)
    assert model.evidence(("S", "VpcId")).property_path == "Outputs.VpcId"


def test_malformed_values_do_not_raise():
    model = model_of(
        {
            "A": subnet({"Fn::Select": "oops"}),
            "B": subnet({"Fn::Join": ["-"]}),
            "C": subnet({"Fn::GetAtt": 7}),
            "D": subnet({"Ref": "Nowhere"}),
            "E": "not a mapping",
            "F": subnet({"Fn::If": [["not", "a", "name"], "a", "b"]}),
        },
        Outputs={"Broken": "not a mapping"},
    )
    assert len(model.subnets) == 5
    assert model.outputs == []
    assert all(isinstance(s.az, Token) for s in model.subnets)
