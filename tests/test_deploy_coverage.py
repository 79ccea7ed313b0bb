"""Documented constraints that cfn-lint checks: each is reported end to end.

These pin the measurement that decided which checks the harness leaves to
cfn-lint, so a cfn-lint upgrade that stops reporting one of them fails here.
"""

from __future__ import annotations

import pytest

from harness._synth_result import Stack
from harness.deploy import check_deployability

VPC = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
ROLE_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _function(**properties) -> dict:
    base = {
        "Role": "arn:aws:iam::123456789012:role/run",
        "Runtime": "python3.12",
        "Handler": "index.handler",
        "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
    }
    return {"Type": "AWS::Lambda::Function", "Properties": {**base, **properties}}


def _log_group(**properties) -> dict:
    return {"Type": "AWS::Logs::LogGroup", "Properties": properties}


def _subnet(cidr: str) -> dict:
    return {
        "Type": "AWS::EC2::Subnet",
        "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr},
    }


SUFFIX = {"Suffix": {"Type": "String", "Default": "x" * 70}}

# (case, resources, extra template sections, cfn-lint rule id, level)
CASES = [
    (
        "retention not allowed",
        {"Logs": _log_group(RetentionInDays=8)},
        {},
        "E3030",
        "error",
    ),
    (
        "retention from parameter",
        {"Logs": _log_group(RetentionInDays={"Ref": "Days"})},
        {"Parameters": {"Days": {"Type": "Number", "Default": 8}}},
        "W1030",
        "warning",
    ),
    (
        "log group name long",
        {"Logs": _log_group(LogGroupName="a" * 513)},
        {},
        "E3033",
        "error",
    ),
    (
        "log group name charset",
        {"Logs": _log_group(LogGroupName="pay logs!")},
        {},
        "E3031",
        "error",
    ),
    (
        "role name long",
        {
            "Run": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": "r" * 65,
                    "AssumeRolePolicyDocument": ROLE_TRUST,
                },
            }
        },
        {},
        "E3033",
        "error",
    ),
    (
        "role name from Sub",
        {
            "Run": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Fn::Sub": "run-${Suffix}"},
                    "AssumeRolePolicyDocument": ROLE_TRUST,
                },
            }
        },
        {"Parameters": SUFFIX},
        "W1031",
        "warning",
    ),
    (
        "bucket name upper case",
        {"Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "Data"}}},
        {},
        "E3031",
        "error",
    ),
    (
        "bucket name too long",
        {"Data": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b" * 64}}},
        {},
        "E3033",
        "error",
    ),
    (
        "reserved concurrency negative",
        {"Run": _function(ReservedConcurrentExecutions=-1)},
        {},
        "E3034",
        "error",
    ),
    (
        "function name long",
        {"Run": _function(FunctionName="f" * 65)},
        {},
        "E3031",
        "error",
    ),
    (
        "subnet outside vpc",
        {"Vpc": VPC, "Sub": _subnet("10.1.0.0/24")},
        {},
        "E3059",
        "error",
    ),
    (
        "subnets overlap",
        {"Vpc": VPC, "A": _subnet("10.0.0.0/24"), "B": _subnet("10.0.0.128/25")},
        {},
        "E3060",
        "error",
    ),
    ("logical id charset", {"Vpc-1": VPC}, {}, "E3001", "error"),
    ("logical id long", {"V" * 256: VPC}, {}, "E3001", "error"),
    (
        "outputs over 200",
        {"Vpc": VPC},
        {"Outputs": {f"O{i}": {"Value": {"Ref": "Vpc"}} for i in range(201)}},
        "E6010",
        "error",
    ),
    ("resources over 500", {f"Vpc{i}": VPC for i in range(501)}, {}, "E3010", "error"),
    (
        "nacl action invalid",
        {
            "Vpc": VPC,
            "Acl": {
                "Type": "AWS::EC2::NetworkAcl",
                "Properties": {"VpcId": {"Ref": "Vpc"}},
            },
            "Entry": {
                "Type": "AWS::EC2::NetworkAclEntry",
                "Properties": {
                    "NetworkAclId": {"Ref": "Acl"},
                    "RuleNumber": 100,
                    "Protocol": -1,
                    "RuleAction": "permit",
                    "CidrBlock": "0.0.0.0/0",
                },
            },
        },
        {},
        "E3030",
        "error",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("resources", "sections", "rule", "level"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_cfnlint_reports_constraint(resources, sections, rule, level):
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": resources,
        **sections,
    }
    stack = Stack("Net", template, "Net.template.json")
    findings = check_deployability([stack], "us-east-1")
    matching = [f for f in findings if f.rule == rule]
    assert matching, sorted({f.rule for f in findings})
    assert {f.level for f in matching} == {level}
    assert all(f.source == "cfn-lint" for f in matching)
