"""`Fn::Sub` in the template diff: service names, pseudo parameters, parameter
defaults and the `Fn::Join` form CDK writes for the same string."""

from __future__ import annotations

from harness._synth_result import Stack
from harness.diff import diff_templates
from harness.diff._elements import load_elements

S3_ROLE = "vpc-endpoint(endpoint_type=Gateway, service=s3)"


def _stack(resources: dict, parameters: dict | None = None) -> Stack:
    template: dict = {"Resources": resources}
    if parameters:
        template["Parameters"] = parameters
    return Stack(name="Net", template=template, template_file="Net.template.json")


def _endpoint(name: str, service) -> dict:
    return {
        name: {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {"ServiceName": service, "VpcId": "vpc-1"},
        }
    }


def _pair_roles(ideal: Stack, model: Stack, region: str = "us-east-1") -> list[str]:
    result = diff_templates([ideal], [model], region=region)
    return [pair.role for pair in result.pairs]


def test_sub_string_service_name():
    sub = {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}
    result = diff_templates(
        [_stack(_endpoint("Ideal", sub))],
        [_stack(_endpoint("Model", "com.amazonaws.us-east-1.s3"))],
    )
    assert result.entries == []
    assert [pair.role for pair in result.pairs] == [S3_ROLE]


def test_sub_uses_diff_region():
    sub = {"Fn::Sub": "com.amazonaws.${AWS::Region}.s3"}
    literal = "com.amazonaws.eu-west-1.s3"
    roles = _pair_roles(
        _stack(_endpoint("Ideal", sub)),
        _stack(_endpoint("Model", literal)),
        region="eu-west-1",
    )
    assert roles == [S3_ROLE]


def test_sub_list_form_variables():
    sub = {
        "Fn::Sub": [
            "com.amazonaws.${Where}.${Service}",
            {"Where": {"Ref": "AWS::Region"}, "Service": "s3"},
        ]
    }
    joined = {"Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".s3"]]}
    result = diff_templates(
        [_stack(_endpoint("Ideal", sub))], [_stack(_endpoint("Model", joined))]
    )
    assert result.entries == []
    assert [pair.role for pair in result.pairs] == [S3_ROLE]


def test_sub_parameter_default_in_role():
    parameters = {"EndpointService": {"Type": "String", "Default": "s3"}}
    sub = {"Fn::Sub": "com.amazonaws.${AWS::Region}.${EndpointService}"}
    roles = _pair_roles(
        _stack(_endpoint("Ideal", sub), parameters),
        _stack(_endpoint("Model", "com.amazonaws.us-east-1.s3")),
    )
    assert roles == [S3_ROLE]


def test_lookup_parameter_default_unresolved():
    parameters = {
        "EndpointService": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/network/endpoint-service",
        }
    }
    sub = {"Fn::Sub": "com.amazonaws.${AWS::Region}.${EndpointService}"}
    roles = _pair_roles(
        _stack(_endpoint("Ideal", sub), parameters),
        _stack(_endpoint("Model", "com.amazonaws.us-east-1.s3")),
    )
    assert S3_ROLE not in roles


def test_sub_other_service_not_paired():
    sub = {"Fn::Sub": "com.amazonaws.${AWS::Region}.dynamodb"}
    result = diff_templates(
        [_stack(_endpoint("Ideal", sub))],
        [_stack(_endpoint("Model", "com.amazonaws.us-east-1.s3"))],
    )
    assert result.pairs == []
    kinds = sorted(entry.kind for entry in result.entries)
    assert kinds == ["only_in_ideal", "only_in_model"]


def test_sub_equals_cdk_join_with_ref():
    bucket = {"Bucket": {"Type": "AWS::S3::Bucket"}}
    sub = {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/*"}
    join = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"],
        ]
    }

    def policy_stack(resource) -> Stack:
        policy = {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Type": "String", "Value": resource},
        }
        return _stack({**bucket, "Arn": policy})

    result = diff_templates([policy_stack(sub)], [policy_stack(join)])
    assert result.entries == []


def test_sub_get_att_and_escape():
    stack = _stack(
        {
            "Group": {"Type": "AWS::Logs::LogGroup"},
            "Note": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Value": {"Fn::Sub": "${Group.Arn} ${!Literal}"}},
            },
        }
    )
    elements = load_elements([stack], "us-east-1")
    value = elements[("Net", "Note")].body["Properties"]["Value"]
    delimiter, parts = value["Fn::Join"]
    assert delimiter == ""
    assert parts[0].key == ("Net", "Group")
    assert parts[0].attribute == "Arn"
    assert parts[1] == " ${Literal}"


def test_sub_of_literal_is_string():
    stack = _stack(
        {
            "Note": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Value": {"Fn::Sub": "${AWS::Partition}-plain"}},
            }
        }
    )
    elements = load_elements([stack], "us-east-1")
    assert elements[("Net", "Note")].body["Properties"]["Value"] == "aws-plain"
