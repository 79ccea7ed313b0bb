"""cfn-lint on templates: a real CDK synthesis, CDK noise levels, rule reuse."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint

from harness._synth_result import SourceSite, Stack
from harness.deploy import check_deployability, is_cdk_template, lint_stack
from harness.deploy._lines import render

APP = Path(__file__).resolve().parent / "fixtures" / "cfn" / "cdk_vpc" / "app.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="session")
def cdk_stack(tmp_path_factory) -> Stack:
    """Synthesize the fixture CDK app once and return its stack."""
    outdir = tmp_path_factory.mktemp("cdk_vpc_out")
    context = {
        f"availability-zones:account={ACCOUNT}:region={REGION}": [
            f"{REGION}a",
            f"{REGION}b",
            f"{REGION}c",
        ]
    }
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_VALIDATION": "false",
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    completed = subprocess.run(
        [sys.executable, str(APP)],
        check=False,
        env=env,
        cwd=outdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    template_file = outdir / "NetworkStack.template.json"
    return Stack(
        name="NetworkStack",
        template=json.loads(template_file.read_text()),
        template_file=str(template_file),
    )


def _types(stack: Stack, findings) -> set[str]:
    resources = stack.template["Resources"]
    return {resources[f.logical_id]["Type"] for f in findings}


@pytest.mark.slow
def test_cdk_vpc_findings_by_rule(cdk_stack):
    findings = check_deployability([cdk_stack], REGION)
    by_rule: dict[str, int] = {}
    for finding in findings:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    assert by_rule == {"W3010": 6}
    assert {f.level for f in findings} == {"info"}
    assert {f.extra["original_level"] for f in findings} == {"warning"}
    assert _types(cdk_stack, findings) == {"AWS::EC2::Subnet"}
    assert {f.property_path for f in findings} == {"Properties.AvailabilityZone"}


@pytest.mark.slow
def test_cdk_template_lines_match_file(cdk_stack):
    lines = Path(cdk_stack.template_file).read_text().splitlines()
    for finding in lint_stack(cdk_stack, REGION):
        assert '"AvailabilityZone"' in lines[finding.template_line - 1]


@pytest.mark.slow
def test_cdk_template_is_recognized(cdk_stack):
    assert is_cdk_template(cdk_stack)
    assert render(cdk_stack.template) == Path(cdk_stack.template_file).read_text()


def _entries(template: dict) -> list[dict]:
    return [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::EC2::NetworkAclEntry"
    ]


@pytest.mark.slow
def test_cdk_template_with_broken_values(cdk_stack):
    template = copy.deepcopy(cdk_stack.template)
    _entries(template)[0]["RuleNumber"] = 32767
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Logs::LogGroup":
            resource["Properties"]["RetentionInDays"] = 8
    broken = Stack("NetworkStack", template, cdk_stack.template_file)
    findings = check_deployability([broken], REGION)
    errors = {(f.source, f.rule) for f in findings if f.level == "error"}
    assert errors == {("cfn-lint", "E3030"), ("api-constraint", "nacl-rule-number")}


def test_hand_written_template_keeps_az_warning():
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {"CidrBlock": "10.0.0.0/16"},
            },
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {
                    "VpcId": {"Ref": "Vpc"},
                    "CidrBlock": "10.0.0.0/24",
                    "AvailabilityZone": "us-east-1a",
                },
            },
        },
    }
    stack = Stack(
        "net",
        template,
        "template.yaml",
        sites={"Subnet": SourceSite("template.yaml", 7)},
    )
    (finding,) = lint_stack(stack, REGION)
    assert finding.rule == "W3010"
    assert finding.level == "warning"
    assert finding.logical_id == "Subnet"
    assert finding.template_line == 7


@pytest.mark.slow
def test_lint_stack_matches_cfnlint():
    first = {
        "Resources": {
            "Logs": {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": 8},
            },
        }
    }
    second = {
        "Resources": {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {"CidrBlock": "10.0.0.300/16"},
            },
        }
    }
    for template in (first, second, first):
        stack = Stack("s", template, "s.template.json")
        mapped = sorted((f.rule, f.template_line) for f in lint_stack(stack, REGION))
        matches = lint(render(template), config=ManualArgs(regions=[REGION]))
        assert mapped == sorted((m.rule.id, m.linenumber) for m in matches)
        assert mapped


def test_property_path_with_list_index():
    template = {
        "Resources": {
            "Vpc": {
                "Type": "AWS::EC2::VPC",
                "Properties": {
                    "CidrBlock": "10.0.0.0/16",
                    "Tags": [{"Key": "a", "Value": "b"}, {"Key": "c"}],
                },
            }
        }
    }
    findings = lint_stack(Stack("s", template, "s.template.json"), REGION)
    paths = {f.property_path for f in findings}
    assert paths == {"Properties.Tags[1]"}


def test_constraint_check_failure_is_info():
    from harness.deploy import CONSTRAINTS, Constraint, check_constraints

    def broken(view):
        raise RuntimeError("boom")

    CONSTRAINTS.append(
        Constraint("broken-check", "always raises", "https://example.invalid", broken)
    )
    try:
        findings = check_constraints(
            Stack("s", {"Resources": {}}, "s.template.json"), REGION
        )
    finally:
        CONSTRAINTS.pop()
    (finding,) = findings
    assert finding.rule == "broken-check"
    assert finding.level == "info"
    assert finding.extra["harness_error"] is True
    assert "boom" in finding.message


@pytest.mark.slow
def test_path_metadata_silences_az_warning(cdk_stack):
    template = copy.deepcopy(cdk_stack.template)
    first = next(iter(template["Resources"].values()))
    first["Metadata"] = {"aws:cdk:path": "NetworkStack/Network/Resource"}
    stack = Stack("NetworkStack", template, cdk_stack.template_file)
    assert [f.rule for f in lint_stack(stack, REGION)] == []
