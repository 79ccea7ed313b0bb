"""Source mapping: from a finding's evidence to checked lines of the response."""

from __future__ import annotations

from dataclasses import replace

import pytest
import report_support as support

from harness._synth_result import SourceSite, Stack, SynthResult
from harness.findings import Evidence, Finding, Status
from harness.sourcemap import (
    MAX_CITATIONS,
    CitedLine,
    citation_problems,
    cite_finding,
    cite_lines,
    construct_span,
    find_property_lines,
    property_keywords,
    snake_case,
    template_keywords,
    verify_citation,
)

TS_CALLS = """\
const vpc = new ec2.Vpc(this, 'Net', {
  maxAzs: 2, // a comment with ) and }
  name: 'a string with ( and {',
  subnets: [{ cidrMask: 24 }],
});
const other = 1;
"""

PY_CALL = """\
vpc = ec2.Vpc(
    self,
    "Vpc",
    max_azs=2,  # a comment with )
    nat_gateways=1,
)
"""


@pytest.mark.parametrize(
    ("camel", "snake"),
    [
        ("maxAzs", "max_azs"),
        ("natGateways", "nat_gateways"),
        ("exportName", "export_name"),
    ],
)
def test_snake_case(camel, snake):
    assert snake_case(camel) == snake


def test_span_typescript_call():
    lines = TS_CALLS.splitlines()
    assert construct_span(lines, 1, "ts") == (1, 5)


def test_span_python_call():
    lines = PY_CALL.splitlines()
    assert construct_span(lines, 1, "python") == (1, 6)


def test_span_site_inside_call():
    lines = PY_CALL.splitlines()
    assert construct_span(lines, 4, "python") == (1, 6)


def test_span_opener_on_next_line():
    lines = ["const vpc =", "  new ec2.Vpc(this, 'Net', {", "  });", "x();"]
    assert construct_span(lines, 1, "ts") == (1, 3)


def test_property_lines_camel_and_snake():
    ts_lines = TS_CALLS.splitlines()
    py_lines = PY_CALL.splitlines()
    assert find_property_lines(ts_lines, (1, 5), ("maxAzs",)) == [2]
    assert find_property_lines(py_lines, (1, 6), ("maxAzs",)) == [4]
    assert find_property_lines(py_lines, (1, 6), ("natGateways",)) == [5]


def test_property_lines_ignore_comparisons_and_members():
    lines = ["if (x.maxAzs == 2) {", "  other.maxAzs: 1,", "  maxAzsLimit: 3,"]
    assert find_property_lines(lines, (1, 3), ("maxAzs",)) == []


def test_property_keywords_table_and_fallback():
    assert property_keywords("availability-zones", None) == (
        "maxAzs",
        "availabilityZones",
    )
    assert property_keywords("flow-log-retention", "Properties.RetentionInDays") == (
        "retention",
    )
    assert property_keywords("unknown-item", "Properties.CidrBlock") == ("cidrBlock",)
    assert property_keywords("unknown-item", None) == ()


def _model():
    evaluation = support.model_evaluation()
    return evaluation.project, evaluation.synth


def test_cite_wrong_property_via_ancestor():
    project, synth = _model()
    finding = Finding(
        "1",
        Status.FAIL,
        evidence=(
            Evidence(logical_id="PaymentNetappSubnet1SubnetX", stack="NetworkStack"),
        ),
    )
    [citation] = cite_finding(finding, project, synth, "availability-zones")
    expected_line = support.line_of(support.MODEL_STACK, "maxAzs: 2")
    assert citation.kind == "property"
    assert citation.file == "lib/network-stack.ts"
    assert [c.line for c in citation.lines] == [expected_line]
    assert citation.lines[0].text.strip() == "maxAzs: 2,"
    assert citation.language == "ts"
    assert verify_citation(project, citation)


def test_cite_markdown_line_matches_document():
    project, synth = _model()
    finding = Finding(
        "1", Status.FAIL, evidence=(Evidence(logical_id="PaymentNet1A2B3C"),)
    )
    [citation] = cite_finding(finding, project, synth, "availability-zones")
    markdown_line = citation.lines[0].markdown_line
    assert markdown_line is not None
    assert project.markdown.splitlines()[markdown_line - 1].strip() == "maxAzs: 2,"


def test_cite_missing_points_at_host():
    project, synth = _model()
    finding = Finding("3", Status.FAIL, actual="no flow log")
    [citation] = cite_finding(finding, project, synth, "vpc-flow-logs")
    vpc_line = support.line_of(support.MODEL_STACK, "new ec2.Vpc(")
    assert citation.kind == "construct"
    assert citation.first_line == vpc_line
    assert citation.lines[-1].text.strip() == "});"
    assert "where it belongs" in citation.note
    assert verify_citation(project, citation)


def test_cite_absent_when_nothing_corresponds():
    project, synth = _model()
    finding = Finding("10", Status.FAIL, actual="no log group")
    [citation] = cite_finding(finding, project, synth, "flow-log-retention")
    assert citation.kind == "absent"
    assert citation.lines == ()
    assert "nothing in the response corresponds" in citation.note
    assert "no log group" in citation.note


def test_cite_project_file_scripts_block():
    project, synth = _model()
    finding = Finding("17", Status.FAIL, evidence=(Evidence(file="package.json"),))
    [citation] = cite_finding(finding, project, synth, "package-scripts")
    texts = [c.text.strip() for c in citation.lines]
    assert citation.kind == "file"
    assert texts[0] == '"scripts": {'
    assert texts[-1] == "}"
    assert citation.language == "json"
    assert verify_citation(project, citation)


def test_cite_project_file_without_evidence():
    project, synth = _model()
    finding = Finding("16", Status.FAIL)
    [citation] = cite_finding(finding, project, synth, "readme")
    texts = [c.text for c in citation.lines]
    assert citation.file == "README.md"
    assert texts == ["# Payment network", "## Deploy"]
    assert verify_citation(project, citation)


def test_cite_file_evidence_with_line():
    project, synth = _model()
    line = support.line_of(support.MODEL_PACKAGE, '"build"')
    finding = Finding(
        "17", Status.FAIL, evidence=(Evidence(file="package.json", line=line),)
    )
    [citation] = cite_finding(finding, project, synth, "package-scripts")
    assert [c.line for c in citation.lines] == [line]


def test_cite_duplicate_sites_merge():
    project, synth = _model()
    stack = synth.stacks[0]
    stack.sites["Other"] = SourceSite(
        "lib/network-stack.ts", stack.sites["PaymentNet1A2B3C"].line
    )
    evidence = (Evidence(logical_id="PaymentNet1A2B3C"), Evidence(logical_id="Other"))
    citations = cite_finding(
        Finding("1", Status.FAIL, evidence=evidence),
        project,
        synth,
        "availability-zones",
    )
    assert len(citations) == 1
    assert citations[0].logical_ids == ("PaymentNet1A2B3C", "Other")


def test_cite_without_project():
    finding = Finding("1", Status.FAIL)
    [citation] = cite_finding(finding, None, None, "availability-zones")
    assert citation.kind == "absent"


def test_verify_rejects_wrong_text():
    project, synth = _model()
    finding = Finding(
        "1", Status.FAIL, evidence=(Evidence(logical_id="PaymentNet1A2B3C"),)
    )
    [citation] = cite_finding(finding, project, synth, "availability-zones")
    cited = citation.lines[0]
    wrong_text = replace(
        citation, lines=(CitedLine(cited.line, cited.markdown_line, "maxAzs: 3,"),)
    )
    assert not verify_citation(project, wrong_text)


def test_verify_rejects_wrong_markdown_line():
    project, synth = _model()
    finding = Finding(
        "1", Status.FAIL, evidence=(Evidence(logical_id="PaymentNet1A2B3C"),)
    )
    [citation] = cite_finding(finding, project, synth, "availability-zones")
    cited = citation.lines[0]
    shifted = replace(
        citation, lines=(CitedLine(cited.line, cited.markdown_line + 1, cited.text),)
    )
    problems = citation_problems(project, shifted)
    assert len(problems) == 2
    assert "came from markdown line" in problems[0]


def test_verify_rejects_line_past_end():
    project, synth = _model()
    finding = Finding(
        "1", Status.FAIL, evidence=(Evidence(logical_id="PaymentNet1A2B3C"),)
    )
    [citation] = cite_finding(finding, project, synth, "availability-zones")
    past = replace(citation, lines=(CitedLine(999, None, "x"),))
    assert citation_problems(project, past) == [
        "lib/network-stack.ts:999 is past the end of the file (24 lines)"
    ]


def test_cite_statements_outside_call():
    project, synth = _model()
    evidence = (Evidence(logical_id="PaymentNetappSubnet1SubnetX"),)
    finding = Finding("6", Status.FAIL, evidence=evidence)
    [citation] = cite_finding(finding, project, synth, "required-tags")
    expected_line = support.line_of(support.MODEL_STACK, "Tags.of(network)")
    assert citation.kind == "property"
    assert [c.line for c in citation.lines] == [expected_line]
    assert verify_citation(project, citation)


def test_cite_statements_skip_comments():
    project, synth = _model()
    finding = Finding("4", Status.FAIL)
    [citation] = cite_finding(finding, project, synth, "s3-gateway-endpoint")
    vpc_line = support.line_of(support.MODEL_STACK, "new ec2.Vpc(")
    assert citation.kind == "construct"
    assert citation.first_line == vpc_line


def test_cite_limits_places():
    project, synth = _model()
    stack = synth.stacks[0]
    evidence = []
    for number in range(1, 10):
        logical_id = f"Line{number}"
        stack.sites[logical_id] = SourceSite("lib/network-stack.ts", number)
        evidence.append(Evidence(logical_id=logical_id))
    finding = Finding("99", Status.FAIL, evidence=tuple(evidence))
    citations = cite_finding(finding, project, synth, "unknown-item")
    assert len(citations) == MAX_CITATIONS
    assert citations[-1].note.endswith("3 more places not shown")


def test_verify_blank_line():
    project, _ = _model()
    source = project.files["lib/network-stack.ts"]
    blank = source.text.splitlines().index("") + 1
    citation = cite_lines(project, "lib/network-stack.ts", [blank], kind="file")
    assert verify_citation(project, citation)
    shifted = replace(
        citation,
        lines=(CitedLine(blank, source.markdown_line(blank) - 1, ""),),
    )
    assert len(citation_problems(project, shifted)) == 2


YAML_TEMPLATE = """\
Resources:
  Network:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16

      Tags:
        - Key: Environment
          Value: Production
  Logs:
    Type: AWS::Logs::LogGroup
"""


def test_span_yaml_block():
    lines = YAML_TEMPLATE.splitlines()
    assert construct_span(lines, 2, "yaml") == (2, 9)
    assert construct_span(lines, 10, "yaml") == (10, 11)


def test_template_keywords():
    assert template_keywords("flow-log-retention", "Properties.RetentionInDays") == (
        "RetentionInDays",
    )
    assert template_keywords("required-tags", None) == ("Tags",)
    assert template_keywords("subnet-outputs", None) == ()


def test_cite_template_property():
    project = support.directory_project({"template.yaml": YAML_TEMPLATE})
    stack = Stack(
        name="Template",
        template={"Resources": {"Network": {"Type": "AWS::EC2::VPC"}}},
        template_file="template.yaml",
        sites={"Network": SourceSite("template.yaml", 2)},
    )
    synth = SynthResult(language="cloudformation", entry=None, stacks=[stack])
    finding = Finding("6", Status.FAIL, evidence=(Evidence(logical_id="Network"),))
    [citation] = cite_finding(finding, project, synth, "required-tags")
    assert [c.line for c in citation.lines] == [7, 8, 9]
    assert citation.language == "yaml"
    assert citation.note == "sets Tags"
    assert verify_citation(project, citation)


def test_cite_makefile_targets():
    makefile = (
        "PYTHON := python3\n.PHONY: synth\n\nsynth:\n\tcdk synth\ndeploy: synth\n"
    )
    project = support.directory_project({"Makefile": makefile})
    [citation] = cite_finding(
        Finding("17", Status.FAIL), project, None, "package-scripts"
    )
    assert [c.text for c in citation.lines] == ["synth:", "deploy: synth"]
    assert citation.language == "makefile"
