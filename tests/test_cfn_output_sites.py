"""Template lines of outputs: recorded apart from resource sites and cited
by the source map for the output items of a template response."""

from __future__ import annotations

import json
import textwrap

from cfn_markdown import project_from_markdown

from harness._synth_result import Stack
from harness.cfn import parse_text, synthesize_template
from harness.findings import Evidence, Finding, Status
from harness.sourcemap import cite_finding, verify_citation

TEMPLATE = textwrap.dedent(
    """
    AWSTemplateFormatVersion: '2010-09-09'
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.0.0.0/16
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          VpcId: !Ref Vpc
          CidrBlock: 10.0.0.0/24
    Outputs:
      Vpc:
        Description: A name shared with a resource.
        Value: !Ref Vpc
      SubnetId:
        Value: !Ref Subnet
        Export:
          Name: !Sub '${AWS::StackName}-SubnetId'
      VpcCidr:
        Value: !GetAtt Vpc.CidrBlock
    """
).lstrip("\n")


def _synthesized():
    markdown = "# Network\n\n```yaml\n" + TEMPLATE + "```\n"
    project = project_from_markdown(markdown)
    result = synthesize_template(project)
    assert result.ok, result.error
    return project, result


def _text_lines(project, citation) -> list[str]:
    return [line.text.strip() for line in citation.lines]


def test_yaml_output_lines():
    parsed = parse_text(TEMPLATE)
    assert parsed.output_lines == {"Vpc": 13, "SubnetId": 16, "VpcCidr": 20}
    assert parsed.resource_lines == {"Vpc": 3, "Subnet": 7}


def test_json_output_lines():
    data = {
        "Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}},
        "Outputs": {"Vpc": {"Value": {"Ref": "Vpc"}}, "Other": {"Value": "x"}},
    }
    text = json.dumps(data, indent=2)
    parsed = parse_text(text)
    lines = text.splitlines()
    for name, line in parsed.output_lines.items():
        assert lines[line - 1].strip().startswith(f'"{name}"'), name
    assert parsed.output_lines["Vpc"] > parsed.resource_lines["Vpc"]
    assert set(parsed.output_lines) == {"Vpc", "Other"}


def test_output_sites_apart_from_sites():
    project, result = _synthesized()
    stack = result.stacks[0]
    assert set(stack.sites) == {"Vpc", "Subnet"}
    assert stack.sites["Vpc"].line == 3
    assert {name: site.line for name, site in stack.output_sites.items()} == {
        "Vpc": 13,
        "SubnetId": 16,
        "VpcCidr": 20,
    }
    source = project.files[stack.template_file]
    for name, site in stack.output_sites.items():
        assert source.text.splitlines()[site.line - 1].strip() == f"{name}:"


def test_stack_round_trip_keeps_output_sites():
    _, result = _synthesized()
    stack = result.stacks[0]
    again = Stack.from_dict(json.loads(json.dumps(stack.to_dict())))
    assert again.output_sites == stack.output_sites
    assert again.sites == stack.sites


def test_stack_without_output_sites_omits_key():
    stack = Stack("Cdk", {"Resources": {}}, "Cdk.template.json")
    assert "output_sites" not in stack.to_dict()
    assert Stack.from_dict(stack.to_dict()).output_sites == {}


def test_passing_output_item_cites_values():
    project, result = _synthesized()
    finding = Finding("11", Status.PASS)
    citations = cite_finding(finding, project, result, "subnet-outputs")
    assert len(citations) == 1
    [citation] = citations
    assert citation.kind == "property"
    assert citation.logical_ids == ("SubnetId",)
    assert [line.line for line in citation.lines] == [17]
    assert _text_lines(project, citation) == ["Value: !Ref Subnet"]
    assert verify_citation(project, citation)


def test_item_without_target_cites_all_outputs():
    project, result = _synthesized()
    finding = Finding("12", Status.PASS)
    citations = cite_finding(finding, project, result, "s3-endpoint-output")
    assert [c.logical_ids for c in citations] == [("Vpc",), ("SubnetId",), ("VpcCidr",)]
    for citation in citations:
        assert verify_citation(project, citation)


def test_output_evidence_cites_output():
    project, result = _synthesized()
    evidence = Evidence(
        logical_id="Vpc",
        stack=result.stacks[0].name,
        property_path="Outputs.Vpc",
        note="no export name",
    )
    finding = Finding("14", Status.FAIL, evidence=(evidence,))
    [citation] = cite_finding(finding, project, result, "output-exports")
    assert citation.kind == "construct"
    assert citation.lines[0].line == 13
    assert citation.note == (
        "defines the output, and no line of the output sets Export"
    )
    assert verify_citation(project, citation)


def test_export_lines_cited_for_exports_item():
    project, result = _synthesized()
    citations = cite_finding(
        Finding("14", Status.PASS), project, result, "output-exports"
    )
    exported = [c for c in citations if c.kind == "property"]
    assert [c.logical_ids for c in exported] == [("SubnetId",)]
    assert _text_lines(project, exported[0])[0] == "Export:"
