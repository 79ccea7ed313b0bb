"""The CloudFormation twins of the PCI payment VPC task: ideal and flawed model."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cfn_markdown import project_from_markdown

from harness.cfn import synthesize_template
from harness.deploy import check_deployability

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "cfn"

IDEAL_TYPES = {
    "AWS::EC2::EIP": 3,
    "AWS::EC2::FlowLog": 1,
    "AWS::EC2::InternetGateway": 1,
    "AWS::EC2::NatGateway": 3,
    "AWS::EC2::NetworkAcl": 1,
    "AWS::EC2::NetworkAclEntry": 10,
    "AWS::EC2::Route": 4,
    "AWS::EC2::RouteTable": 4,
    "AWS::EC2::Subnet": 6,
    "AWS::EC2::SubnetNetworkAclAssociation": 3,
    "AWS::EC2::SubnetRouteTableAssociation": 6,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCEndpoint": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
    "AWS::IAM::Role": 1,
    "AWS::Logs::LogGroup": 1,
}
MODEL_TYPES = {
    "AWS::EC2::EIP": 1,
    "AWS::EC2::InternetGateway": 1,
    "AWS::EC2::NatGateway": 1,
    "AWS::EC2::NetworkAcl": 1,
    "AWS::EC2::NetworkAclEntry": 4,
    "AWS::EC2::Route": 2,
    "AWS::EC2::RouteTable": 2,
    "AWS::EC2::Subnet": 4,
    "AWS::EC2::SubnetRouteTableAssociation": 4,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
}


def _synthesize(name: str):
    markdown = (FIXTURES / f"{name}.md").read_text()
    project = project_from_markdown(markdown, name)
    return project, synthesize_template(project)


def _types(result) -> dict[str, int]:
    resources = result.stacks[0].template["Resources"]
    return dict(Counter(resource["Type"] for resource in resources.values()))


@pytest.mark.parametrize(
    ("name", "types"), [("ideal", IDEAL_TYPES), ("model", MODEL_TYPES)]
)
def test_fixture_resource_counts(name, types):
    _, result = _synthesize(name)
    assert result.ok, result.error
    assert result.language == "cloudformation"
    assert _types(result) == types


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ideal", "model"])
def test_fixture_deploys_cleanly(name):
    _, result = _synthesize(name)
    assert check_deployability(result.stacks, "us-east-1") == []


def test_ideal_outputs_exported():
    _, result = _synthesize("ideal")
    outputs = result.stacks[0].template["Outputs"]
    assert len(outputs) == 10
    assert all("Export" in output for output in outputs.values())


def test_model_outputs_not_exported():
    _, result = _synthesize("model")
    outputs = result.stacks[0].template["Outputs"]
    assert len(outputs) == 3
    assert not any("Export" in output for output in outputs.values())


@pytest.mark.parametrize("name", ["ideal", "model"])
def test_fixture_sites_cite_markdown(name):
    project, result = _synthesize(name)
    stack = result.stacks[0]
    source = project.files[stack.template_file]
    markdown_lines = project.markdown.splitlines()
    assert set(stack.sites) == set(stack.template["Resources"])
    for logical_id, site in stack.sites.items():
        assert source.text.splitlines()[site.line - 1] == f"  {logical_id}:"
        markdown_line = source.markdown_line(site.line)
        assert markdown_lines[markdown_line - 1] == f"  {logical_id}:"


def test_fixture_through_ingest():
    ingest = pytest.importorskip("harness.ingest")
    for name, types in (("ideal", IDEAL_TYPES), ("model", MODEL_TYPES)):
        project = ingest.ingest(FIXTURES / f"{name}.md")
        result = synthesize_template(project)
        assert result.ok, result.error
        assert result.entry == "lib/TapStack.yml"
        assert _types(result) == types
        vpc_site = next(
            site
            for logical_id, site in result.stacks[0].sites.items()
            if result.stacks[0].template["Resources"][logical_id]["Type"]
            == "AWS::EC2::VPC"
        )
        markdown_line = project.files[vpc_site.file].markdown_line(vpc_site.line)
        assert project.markdown.splitlines()[markdown_line - 1] == "  VPC:"


@pytest.mark.slow
def test_findings_cite_yaml_lines():
    markdown = (FIXTURES / "ideal.md").read_text()
    markdown = markdown.replace("      RetentionInDays: 7", "      RetentionInDays: 8")
    markdown = markdown.replace(
        "      RuleNumber: 130\n", "      RuleNumber: 40000\n", 1
    )
    project = project_from_markdown(markdown, "broken")
    result = synthesize_template(project)
    findings = check_deployability(result.stacks, "us-east-1", project)
    by_rule = {f.rule: f for f in findings}
    assert set(by_rule) == {"E3030", "nacl-rule-number"}
    source = project.files[result.stacks[0].template_file]
    markdown_lines = markdown.splitlines()
    for rule, text in (
        ("E3030", "RetentionInDays: 8"),
        ("nacl-rule-number", "RuleNumber: 40000"),
    ):
        line = by_rule[rule].template_line
        assert source.text.splitlines()[line - 1].strip() == text
        assert markdown_lines[source.markdown_line(line) - 1].strip() == text


def test_findings_without_project_cite_resource_start():
    markdown = (FIXTURES / "ideal.md").read_text()
    markdown = markdown.replace(
        "      RuleNumber: 130\n", "      RuleNumber: 40000\n", 1
    )
    project = project_from_markdown(markdown, "broken")
    stack = synthesize_template(project).stacks[0]
    from harness.deploy import check_constraints

    (finding,) = check_constraints(stack, "us-east-1")
    assert finding.template_line == stack.sites[finding.logical_id].line
