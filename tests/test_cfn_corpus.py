"""Real CloudFormation responses of the dataset: which template is chosen."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cfn_markdown import project_from_markdown

from harness.cfn import find_templates, synthesize_template

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "cfn-yaml"

COMMON_TYPES = {
    "AWS::EC2::Instance": 2,
    "AWS::EC2::InternetGateway": 1,
    "AWS::EC2::Route": 1,
    "AWS::EC2::RouteTable": 1,
    "AWS::EC2::SecurityGroup": 1,
    "AWS::EC2::Subnet": 2,
    "AWS::EC2::VPC": 1,
    "AWS::EC2::VPCGatewayAttachment": 1,
}

# Per response: markdown line of the chosen template's first line, resource
# counts by type, markdown lines of the template text left outside any fence,
# and (for the block-per-file split) the fragments rejected, by first line.
EXPECTED = {
    "MODEL_RESPONSE.md": {
        "first_line": 26,
        "types": COMMON_TYPES,
        "loose": "markdown lines 216-284 ",
        "fragments": {150: 0, 163: 1, 172: 1, 179: 0, 187: 1},
        "sites": {"VPC": 36, "EC2Instance2": 130},
    },
    "IDEAL_RESPONSE.md": {
        "first_line": 24,
        "types": {**COMMON_TYPES, "AWS::EC2::SubnetRouteTableAssociation": 2},
        "loose": "markdown lines 248-329 ",
        "fragments": {},
        "sites": {"VPC": 42, "EC2Instance2": 159},
    },
}


def _markdown(name: str) -> str:
    path = CORPUS / "Pr110" / name
    if not path.exists():
        pytest.skip("the shared corpus is not present")
    return path.read_text()


def _types(result) -> dict[str, int]:
    resources = result.stacks[0].template["Resources"]
    return dict(Counter(resource["Type"] for resource in resources.values()))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_choice_per_block(name):
    expected = EXPECTED[name]
    project = project_from_markdown(_markdown(name), name)
    choice = find_templates(project)
    assert choice.chosen.file == "block1.yaml"
    assert choice.chosen.markdown_line == expected["first_line"]
    fragments = {c.markdown_line: c.resource_count for c in choice.rejected}
    assert fragments == expected["fragments"]
    assert all(c.kind == "fragment" for c in choice.rejected)
    (warning,) = choice.warnings
    assert warning.startswith(expected["loose"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_synthesis_per_block(name):
    expected = EXPECTED[name]
    markdown = _markdown(name)
    project = project_from_markdown(markdown, name)
    result = synthesize_template(project)
    assert result.ok, result.error
    assert _types(result) == expected["types"]
    stack = result.stacks[0]
    source = project.files[stack.template_file]
    for logical_id, markdown_line in expected["sites"].items():
        assert source.markdown_line(stack.sites[logical_id].line) == markdown_line
        assert logical_id in markdown.splitlines()[markdown_line - 1]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_synthesis_through_ingest(name):
    ingest = pytest.importorskip("harness.ingest")
    expected = EXPECTED[name]
    markdown = _markdown(name)
    project = ingest.ingest(CORPUS / "Pr110" / name)
    result = synthesize_template(project)
    assert result.ok, result.error
    assert result.entry == "template.yaml"
    chosen = result.manifest["cloudformation"]["chosen"]
    assert chosen["markdown_line"] == expected["first_line"]
    assert _types(result) == expected["types"]
    stack = result.stacks[0]
    for logical_id, markdown_line in expected["sites"].items():
        site = stack.sites[logical_id]
        assert project.files[site.file].markdown_line(site.line) == markdown_line
        assert logical_id in markdown.splitlines()[markdown_line - 1]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The model hard-codes two AZ names and leaves out both instances' ImageId.
        (
            "MODEL_RESPONSE.md",
            [
                ("W3010", "warning", 52, "AvailabilityZone: us-east-1a"),
                ("W3010", "warning", 63, "AvailabilityZone: us-east-1b"),
                ("E3673", "error", 119, "Properties:"),
                ("E3673", "error", 132, "Properties:"),
            ],
        ),
        ("IDEAL_RESPONSE.md", []),
    ],
)
def test_corpus_deployability(name, expected):
    from harness.deploy import check_deployability

    markdown = _markdown(name)
    project = project_from_markdown(markdown, name)
    result = synthesize_template(project)
    source = project.files[result.entry]
    findings = check_deployability(result.stacks, "us-east-1", project)
    cited = []
    for finding in findings:
        markdown_line = source.markdown_line(finding.template_line)
        cited.append((finding.rule, finding.level, markdown_line))
    assert sorted(cited) == sorted(entry[:3] for entry in expected)
    lines = markdown.splitlines()
    for _, _, markdown_line, text in expected:
        assert lines[markdown_line - 1].strip().startswith(text)
