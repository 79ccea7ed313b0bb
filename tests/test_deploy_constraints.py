"""API-constraint checks: each one fires on a template that breaks it, and
stays quiet on the same template made valid."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from harness._synth_result import SourceSite, Stack
from harness.deploy import CONSTRAINTS, check_constraints, check_deployability

VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
ACL = {"Type": "AWS::EC2::NetworkAcl", "Properties": {"VpcId": {"Ref": "Vpc"}}}


def _entry(**properties: Any) -> dict:
    base = {
        "NetworkAclId": {"Ref": "Acl"},
        "RuleNumber": 100,
        "Protocol": 6,
        "RuleAction": "allow",
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 443, "To": 443},
    }
    base.update(properties)
    return {"Type": "AWS::EC2::NetworkAclEntry", "Properties": base}


def _subnet(cidr: Any, vpc: str = "Vpc") -> dict:
    return {
        "Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Ref": vpc}, "CidrBlock": cidr},
    }


def _template(resources: dict, **sections: Any) -> dict:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": resources,
        **sections,
    }


def _nacl(**entries: dict) -> dict:
    return _template({"Vpc": VPC, "Acl": ACL, **entries})


def _bucket(name: Any) -> dict:
    return _template(
        {"Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}}}
    )


def _outputs(outputs: dict) -> dict:
    return _template({"Vpc": VPC}, Outputs=outputs)


def _export(name: Any) -> dict:
    return {"Value": {"Ref": "Vpc"}, "Export": {"Name": name}}


def _sg(*rules: dict) -> dict:
    group = {
        "Type": "AWS::EC2::SecurityGroup",
        "Properties": {
            "GroupDescription": "web",
            "VpcId": {"Ref": "Vpc"},
            "SecurityGroupIngress": list(rules),
        },
    }
    return _template({"Vpc": VPC, "Web": group})


def _sg_rule(protocol: str, start: int, end: int) -> dict:
    return {
        "IpProtocol": protocol,
        "FromPort": start,
        "ToPort": end,
        "CidrIp": "0.0.0.0/0",
    }


CIDR_PARAMETER = {"SubnetCidr": {"Type": "String", "Default": "10.1.0.0/24"}}
FN_CIDR = {
    "Fn::Select": [0, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]
}

# (constraint id, violating template, the logical ID or property path it names,
#  a valid template)
CASES = [
    (
        "nacl-rule-number",
        _nacl(E=_entry(RuleNumber=32767)),
        "E",
        _nacl(E=_entry(RuleNumber=32766)),
    ),
    (
        "nacl-rule-number",
        _nacl(E=_entry(RuleNumber=0)),
        "E",
        _nacl(E=_entry(RuleNumber=1)),
    ),
    (
        "nacl-protocol",
        _nacl(E=_entry(Protocol=256)),
        "E",
        _nacl(E=_entry(Protocol=255)),
    ),
    (
        "nacl-protocol",
        _nacl(E=_entry(Protocol="-2")),
        "E",
        _nacl(E=_entry(Protocol="-1")),
    ),
    (
        "nacl-port-range",
        _nacl(E=_entry(PortRange={"From": 1024, "To": 65536})),
        "E",
        _nacl(E=_entry(PortRange={"From": 1024, "To": 65535})),
    ),
    (
        "nacl-port-range",
        _nacl(E=_entry(PortRange={"From": -1, "To": 80})),
        "E",
        _nacl(E=_entry(PortRange={"From": 0, "To": 80})),
    ),
    (
        "nacl-port-order",
        _nacl(E=_entry(PortRange={"From": 500, "To": 400})),
        "E",
        _nacl(E=_entry(PortRange={"From": 400, "To": 500})),
    ),
    (
        "nacl-required-parts",
        _nacl(E=_entry(PortRange=None)),
        "E",
        _nacl(E=_entry()),
    ),
    (
        "nacl-required-parts",
        _nacl(E=_entry(Protocol=1, PortRange=None)),
        "E",
        _nacl(E=_entry(Protocol=1, PortRange=None, Icmp={"Code": -1, "Type": -1})),
    ),
    (
        "nacl-duplicate-rule-number",
        _nacl(A=_entry(), B=_entry(PortRange={"From": 80, "To": 80})),
        "B",
        _nacl(A=_entry(), B=_entry(Egress=True)),
    ),
    (
        "vpc-cidr-size",
        _template(
            {
                "Vpc": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {"CidrBlock": "10.0.0.0/8"},
                }
            }
        ),
        "Vpc",
        _template({"Vpc": VPC}),
    ),
    (
        "vpc-cidr-size",
        _template(
            {
                "Vpc": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {"CidrBlock": {"Ref": "Cidr"}},
                }
            },
            Parameters={"Cidr": {"Type": "String", "Default": "10.0.0.0/29"}},
        ),
        "Vpc",
        _template(
            {
                "Vpc": {
                    "Type": "AWS::EC2::VPC",
                    "Properties": {"CidrBlock": {"Ref": "Cidr"}},
                }
            },
            Parameters={"Cidr": {"Type": "String", "Default": "10.0.0.0/28"}},
        ),
    ),
    (
        "subnet-cidr-size",
        _template({"Vpc": VPC, "Tiny": _subnet("10.0.0.0/29")}),
        "Tiny",
        _template({"Vpc": VPC, "Tiny": _subnet("10.0.0.0/28")}),
    ),
    (
        "subnet-cidr-layout",
        _template(
            {"Vpc": VPC, "Outside": _subnet({"Ref": "SubnetCidr"})},
            Parameters=CIDR_PARAMETER,
        ),
        "Outside",
        _template(
            {"Vpc": VPC, "Outside": _subnet({"Ref": "SubnetCidr"})},
            Parameters={"SubnetCidr": {"Type": "String", "Default": "10.0.9.0/24"}},
        ),
    ),
    (
        "subnet-cidr-layout",
        _template(
            {"Vpc": VPC, "First": _subnet("10.0.0.0/24"), "Second": _subnet(FN_CIDR)}
        ),
        "Second",
        _template(
            {"Vpc": VPC, "First": _subnet("10.0.1.0/24"), "Second": _subnet(FN_CIDR)}
        ),
    ),
    ("s3-bucket-name", _bucket("192.168.5.4"), "Data", _bucket("data-192-168-5-4")),
    ("s3-bucket-name", _bucket("xn--data"), "Data", _bucket("data-xn")),
    ("s3-bucket-name", _bucket("sthree-data"), "Data", _bucket("data-sthree")),
    ("s3-bucket-name", _bucket("data-s3alias"), "Data", _bucket("data-alias")),
    ("s3-bucket-name", _bucket("data--ol-s3"), "Data", _bucket("data-ol-s3")),
    ("s3-bucket-name", _bucket("data.mrap"), "Data", _bucket("data.map")),
    (
        "s3-bucket-name",
        {
            **_bucket({"Fn::Sub": "${Prefix}-data"}),
            "Parameters": {"Prefix": {"Type": "String", "Default": "xn--pay"}},
        },
        "Data",
        {
            **_bucket({"Fn::Sub": "${Prefix}-data"}),
            "Parameters": {"Prefix": {"Type": "String", "Default": "pay"}},
        },
    ),
    (
        "export-name",
        _outputs({"A": _export("vpc-id"), "B": _export("vpc-id")}),
        "Outputs.B.Export.Name",
        _outputs({"A": _export("vpc-id"), "B": _export("vpc-id-2")}),
    ),
    (
        "export-name",
        _outputs(
            {
                "A": _export({"Fn::Sub": "${AWS::StackName}-VpcId"}),
                "B": _export({"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "VpcId"]]}),
            }
        ),
        "Outputs.B.Export.Name",
        _outputs(
            {
                "A": _export({"Fn::Sub": "${AWS::StackName}-VpcId"}),
                "B": _export({"Fn::Sub": "${AWS::StackName}-VpcCidr"}),
            }
        ),
    ),
    (
        "export-name",
        _outputs({"A": _export("x" * 256)}),
        "Outputs.A.Export.Name",
        _outputs({"A": _export("x" * 255)}),
    ),
    (
        "template-section-size",
        _template(
            {"Vpc": VPC}, Parameters={f"P{i}": {"Type": "String"} for i in range(201)}
        ),
        "Parameters",
        _template(
            {"Vpc": VPC}, Parameters={f"P{i}": {"Type": "String"} for i in range(200)}
        ),
    ),
    (
        "template-section-size",
        _template(
            {"Vpc": VPC}, Mappings={f"M{i}": {"a": {"b": "c"}} for i in range(201)}
        ),
        "Mappings",
        _template(
            {"Vpc": VPC}, Mappings={f"M{i}": {"a": {"b": "c"}} for i in range(200)}
        ),
    ),
    (
        "security-group-ports",
        _sg(_sg_rule("tcp", 1, 70000)),
        "Web",
        _sg(_sg_rule("tcp", 1, 65535)),
    ),
    (
        "security-group-ports",
        _sg(_sg_rule("udp", 90, 80)),
        "Web",
        _sg(_sg_rule("udp", 80, 90)),
    ),
]


def _without_none(template: dict) -> dict:
    """Drop properties set to None, so `_entry(PortRange=None)` omits PortRange."""
    result = copy.deepcopy(template)
    for resource in result["Resources"].values():
        properties = resource.get("Properties", {})
        if not isinstance(properties, dict):
            continue
        for key in [k for k, v in properties.items() if v is None]:
            del properties[key]
    return result


def _stack(template: dict, name: str = "Net") -> Stack:
    return Stack(
        name=name, template=_without_none(template), template_file="x.template.json"
    )


def _fired(template: dict, rule: str) -> list:
    return [
        f for f in check_constraints(_stack(template), "us-east-1") if f.rule == rule
    ]


@pytest.mark.parametrize(
    ("rule", "bad", "subject", "good"),
    CASES,
    ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)],
)
def test_constraint_fires_and_passes(rule, bad, subject, good):
    fired = _fired(bad, rule)
    assert len(fired) == 1, [f.message for f in fired]
    finding = fired[0]
    assert subject in (finding.logical_id, finding.property_path)
    assert finding.source == "api-constraint"
    assert finding.level == "error"
    assert finding.extra["doc_url"].startswith("https://docs.aws.amazon.com/")
    assert _fired(good, rule) == []


def test_every_constraint_has_a_case():
    covered = {case[0] for case in CASES}
    checked = {constraint.id for constraint in CONSTRAINTS}
    assert checked - covered == {"template-size", "template-direct-upload-size"}


def test_constraint_ids_unique():
    ids = [constraint.id for constraint in CONSTRAINTS]
    assert len(ids) == len(set(ids))


def _sized(payload_bytes: int) -> dict:
    value = "x" * 4000
    count = payload_bytes // 4000
    resources = {
        f"P{i}": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Type": "String", "Value": value},
        }
        for i in range(count)
    }
    return _template(resources)


def test_template_over_one_megabyte():
    findings = check_constraints(_stack(_sized(1_100_000)), "us-east-1")
    rules = {f.rule: f.level for f in findings}
    assert rules == {"template-size": "error"}


def test_template_over_direct_upload_limit():
    findings = check_constraints(_stack(_sized(60_000)), "us-east-1")
    rules = {f.rule: f.level for f in findings}
    assert rules == {"template-direct-upload-size": "info"}


def test_small_template_has_no_size_finding():
    assert check_constraints(_stack(_sized(40_000)), "us-east-1") == []


def test_unresolvable_values_are_skipped():
    template = _nacl(
        E=_entry(RuleNumber={"Fn::GetAtt": ["Acl", "Id"]}, Protocol={"Ref": "Unset"}),
    )
    template["Parameters"] = {"Unset": {"Type": "Number"}}
    assert check_constraints(_stack(template), "us-east-1") == []


def test_literal_subnet_layout_left_to_cfnlint():
    template = _template({"Vpc": VPC, "Outside": _subnet("10.1.0.0/24")})
    assert _fired(template, "subnet-cidr-layout") == []
    rules = {f.rule for f in check_deployability([_stack(template)], "us-east-1")}
    assert "E3059" in rules


def test_secondary_vpc_block_counts_as_inside():
    secondary = {
        "Type": "AWS::EC2::VPCCidrBlock",
        "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": {"Ref": "Extra"}},
    }
    template = _template(
        {"Vpc": VPC, "More": secondary, "Sub": _subnet("10.1.0.0/24")},
        Parameters={"Extra": {"Type": "String", "Default": "10.1.0.0/16"}},
    )
    assert _fired(template, "subnet-cidr-layout") == []


def test_constraint_line_in_cdk_template_file():
    template = _nacl(E=_entry(RuleNumber=40000))
    stack = _stack(template)
    (finding,) = check_constraints(stack, "us-east-1")
    rendered = __import__("json").dumps(stack.template, indent=1).splitlines()
    assert '"RuleNumber": 40000' in rendered[finding.template_line - 1]


def test_constraint_line_in_hand_written_template():
    stack = Stack(
        name="net",
        template=_without_none(_nacl(E=_entry(RuleNumber=40000))),
        template_file="template.yaml",
        sites={"E": SourceSite("template.yaml", 31)},
    )
    (finding,) = check_constraints(stack, "us-east-1")
    assert finding.template_line == 31


ODD_TEMPLATES = [
    {"Resources": {"E": {"Type": "AWS::EC2::NetworkAclEntry", "Properties": [1, 2]}}},
    {"Parameters": [1], "Resources": {"S": _subnet({"Fn::Cidr": ["x", "y", "z"]})}},
    {
        "Resources": {
            "E": {
                "Type": "AWS::EC2::NetworkAclEntry",
                "Properties": {
                    "PortRange": [1],
                    "RuleNumber": {"Fn::Select": [5, [1]]},
                    "Protocol": "tcp",
                    "Egress": {"Ref": "AWS::NoValue"},
                },
            }
        }
    },
    {
        "Resources": {
            "B": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": {"Fn::Join": [1, 2]}},
            }
        },
        "Outputs": [1],
    },
    {
        "Resources": {"B": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "O": {"Value": 1, "Export": {"Name": {"Fn::Sub": [1, 2]}}},
            "P": "x",
        },
    },
    {
        "Resources": {
            "G": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"SecurityGroupIngress": {"x": 1}},
            },
            "I": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {"IpProtocol": "tcp", "FromPort": "a"},
            },
        }
    },
    {
        "Resources": {
            "Vpc": VPC,
            "S": _subnet(
                {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/8", 100000000, 1]}]}
            ),
        }
    },
]


@pytest.mark.parametrize("template", ODD_TEMPLATES)
def test_odd_templates_do_not_break_checks(template):
    findings = check_constraints(_stack(template), "us-east-1")
    assert not [f for f in findings if f.extra.get("harness_error")]


def test_unknown_region_is_config_error():
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match="mars-1"):
        check_deployability([_stack(_template({"Vpc": VPC}))], "mars-1")
