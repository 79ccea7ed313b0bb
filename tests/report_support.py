"""Hand-made responses, evaluations and a small task for the report tests.

The markdown response here is written for these tests and ingested with the
harness's own reader, which records the document line of every file line.
"""

from __future__ import annotations

import re

from harness._project import Project, SourceFile
from harness._synth_result import SourceSite, Stack, SynthResult
from harness.evaluation import Evaluation, ResponseInfo
from harness.findings import DeployFinding, Evidence, Finding, Severity, Status
from harness.ingest import ingest_text
from harness.taxonomy import Item, Task

FENCE = "`" * 3

# The caption above each excerpt of a rendered report.
CAPTION = re.compile(
    r"^\*\*(?P<label>[^*]+)\*\* \(`(?P<file>[^`]+)` lines? (?P<first>\d+)(?:-(?P<last>\d+))?"
    r"(?:, markdown lines? (?P<md_first>\d+)(?:-(?P<md_last>\d+))?)?\)"
)

MODEL_STACK = """\
import * as cdk from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';

export class NetworkStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    // the payment network
    const network = new ec2.Vpc(this, 'PaymentNet', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'edge', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });

    new cdk.CfnOutput(this, 'NetworkId', { value: network.vpcId });
    cdk.Tags.of(network).add('Environment', 'Production'); // Project tag missing
    // S3 traffic could use network.addGatewayEndpoint('S3', ...)
  }
}
"""

MODEL_PACKAGE = """\
{
  "name": "payment-net",
  "scripts": {
    "build": "tsc",
    "test": "jest"
  }
}
"""

MODEL_README = """\
# Payment network

## Deploy

    npx cdk deploy
"""

IDEAL_STACK = """\
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2, aws_logs as logs
from constructs import Construct


class NetworkStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            retention=logs.RetentionDays.ONE_WEEK,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=3,
            nat_gateways=3,
            flow_logs={
                "all": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
"""


def markdown_response() -> str:
    """Return the hand-made TypeScript response as one markdown document."""
    return "\n".join(
        [
            "# A PCI network for payments",
            "",
            "The stack below builds the network.",
            "",
            "## File: lib/network-stack.ts",
            "",
            f"{FENCE}ts",
            MODEL_STACK.rstrip("\n"),
            FENCE,
            "",
            "## File: package.json",
            "",
            f"{FENCE}json",
            MODEL_PACKAGE.rstrip("\n"),
            FENCE,
            "",
            "## File: README.md",
            "",
            f"{FENCE}markdown",
            MODEL_README.rstrip("\n"),
            FENCE,
            "",
        ]
    )


def markdown_project(markdown: str, name: str = "model") -> Project:
    """Ingest a markdown response with the harness's own reader."""
    return ingest_text(markdown, name)


def directory_project(files: dict[str, str], name: str = "ideal") -> Project:
    return Project(
        name=name,
        kind="directory",
        files={path: SourceFile(path, text) for path, text in files.items()},
    )


def line_of(text: str, fragment: str) -> int:
    """Return the 1-based line of `text` that contains `fragment`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not found")


def task() -> Task:
    """Return a five-item task shaped like the PCI payment VPC taxonomy."""
    items = [
        _item(
            "1",
            "availability-zones",
            Severity.CRITICAL,
            "Three availability zones",
            "High availability",
        ),
        _item("3", "vpc-flow-logs", Severity.CRITICAL, "VPC flow logs", "Logging"),
        _item(
            "10",
            "flow-log-retention",
            Severity.HIGH,
            "Flow log retention",
            "Logging",
            ("3",),
        ),
        _item(
            "17",
            "package-scripts",
            Severity.MEDIUM,
            "Package scripts",
            "Developer experience",
        ),
        _item(
            "18",
            "lambda-reserved-concurrency",
            Severity.HIGH,
            "Configurable concurrency",
            "Quotas",
        ),
    ]
    return Task(id="toy-vpc", title="Toy payment VPC", items=items, rules={})


def _item(item_id, slug, severity, title, category, consequence_of=()):
    return Item(
        id=item_id,
        slug=slug,
        severity=severity,
        title=title,
        category=category,
        requirement=f"requirement of {slug}",
        doc_url=f"https://docs.aws.amazon.com/vpc/{slug}.html",
        impact=f"impact of {slug}",
        training_value=f"training value of {slug}",
        scope="project" if slug == "package-scripts" else "template",
        consequence_of=consequence_of,
    )


def model_evaluation() -> Evaluation:
    """Return an Evaluation of the markdown response failing items 1, 3, 10 and 17."""
    project = markdown_project(markdown_response())
    vpc_line = line_of(MODEL_STACK, "new ec2.Vpc(")
    output_line = line_of(MODEL_STACK, "new cdk.CfnOutput")
    stack = Stack(
        name="NetworkStack",
        template={
            "Resources": {
                "PaymentNet1A2B3C": {"Type": "AWS::EC2::VPC"},
                "PaymentNetappSubnet1SubnetX": {"Type": "AWS::EC2::Subnet"},
            },
            "Outputs": {"NetworkId": {"Value": {"Ref": "PaymentNet1A2B3C"}}},
        },
        template_file="NetworkStack.template.json",
        construct_paths={
            "PaymentNet1A2B3C": "NetworkStack/PaymentNet/Resource",
            "PaymentNetappSubnet1SubnetX": "NetworkStack/PaymentNet/appSubnet1/Subnet",
        },
        sites={
            "PaymentNet1A2B3C": SourceSite("lib/network-stack.ts", vpc_line),
            "NetworkId": SourceSite("lib/network-stack.ts", output_line),
        },
    )
    findings = [
        Finding(
            "1",
            Status.FAIL,
            expected="subnets in 3 availability zones",
            actual="subnets in 2 availability zones",
            evidence=(
                Evidence(
                    logical_id="PaymentNetappSubnet1SubnetX", stack="NetworkStack"
                ),
            ),
        ),
        Finding(
            "3",
            Status.FAIL,
            expected="a flow log on the VPC",
            actual="no AWS::EC2::FlowLog",
        ),
        Finding(
            "10",
            Status.FAIL,
            expected="a log group with 7-day retention",
            actual="no log group",
            consequence_of=("3",),
        ),
        Finding(
            "17",
            Status.FAIL,
            expected="scripts for test:coverage, synth, deploy, diff, destroy",
            actual="scripts build, test",
            evidence=(Evidence(file="package.json"),),
        ),
        Finding("18", Status.NOT_APPLICABLE, actual="no Lambda function"),
    ]
    deploy = [
        DeployFinding(
            source="cfn-lint",
            rule="E3012",
            level="error",
            message="Property has an invalid type",
            stack="NetworkStack",
            logical_id="PaymentNet1A2B3C",
            property_path="Properties.CidrBlock",
        )
    ]
    return Evaluation(
        response=ResponseInfo(
            id="model",
            source="/somewhere/MODEL_RESPONSE.md",
            kind="markdown",
            content_hash="x",
        ),
        task="toy-vpc",
        outcome="fail",
        synth=SynthResult(language="typescript", entry="bin/app.ts", stacks=[stack]),
        findings=findings,
        deploy=deploy,
        diff={
            "summary": {"entries": 2, "unexplained": 1, "explained_share": 0.5},
            "entries": [
                {
                    "kind": "only_in_ideal",
                    "section": "resources",
                    "type": "AWS::EC2::FlowLog",
                    "role": "flow-log",
                    "ideal": {"stack": "NetworkStack", "logical_id": "VpcallFlowLogX"},
                    "model": None,
                    "path": "",
                    "items": ["3"],
                },
                {
                    "kind": "changed",
                    "section": "resources",
                    "type": "AWS::EC2::VPC",
                    "role": "vpc",
                    "ideal": {"stack": "NetworkStack", "logical_id": "Vpc8378EB38"},
                    "model": {
                        "stack": "NetworkStack",
                        "logical_id": "PaymentNet1A2B3C",
                    },
                    "path": "Properties.CidrBlock",
                    "change": "changed",
                    "ideal_value": "10.0.0.0/16",
                    "model_value": "10.1.0.0/16",
                    "items": [],
                },
            ],
        },
        score={
            "score": 0.25,
            "failures_by_severity": {"critical": 2, "high": 1, "medium": 1},
            "complete": True,
        },
        project=project,
        settings={},
    )


def ideal_evaluation() -> Evaluation:
    """Return an Evaluation of a Python directory response that passes every item."""
    project = directory_project({"lib/network_stack.py": IDEAL_STACK})
    vpc_line = line_of(IDEAL_STACK, "self.vpc = ec2.Vpc(")
    log_line = line_of(IDEAL_STACK, "log_group = logs.LogGroup(")
    stack = Stack(
        name="NetworkStack",
        template={
            "Resources": {
                "Vpc8378EB38": {"Type": "AWS::EC2::VPC"},
                "FlowLogGroupX": {"Type": "AWS::Logs::LogGroup"},
                "VpcallFlowLogX": {"Type": "AWS::EC2::FlowLog"},
            }
        },
        template_file="NetworkStack.template.json",
        construct_paths={
            "Vpc8378EB38": "NetworkStack/Vpc/Resource",
            "VpcallFlowLogX": "NetworkStack/Vpc/all/FlowLog",
            "FlowLogGroupX": "NetworkStack/FlowLogGroup/Resource",
        },
        sites={
            "Vpc8378EB38": SourceSite("lib/network_stack.py", vpc_line),
            "FlowLogGroupX": SourceSite("lib/network_stack.py", log_line),
        },
    )
    findings = [
        Finding("1", Status.PASS, evidence=(Evidence(logical_id="Vpc8378EB38"),)),
        Finding(
            "3",
            Status.PASS,
            evidence=(
                Evidence(
                    logical_id="VpcallFlowLogX", property_path="Properties.TrafficType"
                ),
            ),
        ),
        Finding(
            "10",
            Status.PASS,
            evidence=(
                Evidence(
                    logical_id="FlowLogGroupX",
                    property_path="Properties.RetentionInDays",
                ),
            ),
        ),
        Finding("17", Status.PASS),
        Finding("18", Status.NOT_APPLICABLE),
    ]
    evaluation = Evaluation(
        response=ResponseInfo(
            id="ideal", source="responses/ideal", kind="directory", content_hash="y"
        ),
        task="toy-vpc",
        outcome="pass",
        synth=SynthResult(language="python", entry="app.py", stacks=[stack]),
        findings=findings,
        score={"score": 1.0, "complete": True},
        project=project,
        settings={"role": "ideal"},
    )
    return evaluation


def cited_excerpts(markdown: str) -> list[dict]:
    """Parse every caption and the fenced block below it out of a report."""
    lines = markdown.splitlines()
    excerpts = []
    for index, line in enumerate(lines):
        match = CAPTION.match(line)
        if not match:
            continue
        fence = lines[index + 1]
        assert fence.startswith("```"), f"no fenced block after caption {line!r}"
        marker = re.match(r"`+", fence).group(0)
        end = lines.index(marker, index + 2)
        excerpts.append({**match.groupdict(), "body": lines[index + 2 : end]})
    return excerpts


def check_excerpt(project: Project, excerpt: dict) -> list[str]:
    """Return the mismatches between an excerpt's numbers and the project's text."""
    source = project.files[excerpt["file"]]
    file_lines = source.text.splitlines()
    first = int(excerpt["first"])
    last = int(excerpt["last"] or first)
    problems = []
    if excerpt["body"] != file_lines[first - 1 : last]:
        problems.append(f"{excerpt['file']}:{first}-{last} text differs")
    if excerpt["md_first"] is not None:
        md_first = int(excerpt["md_first"])
        md_last = int(excerpt["md_last"] or md_first)
        document = project.markdown.splitlines()[md_first - 1 : md_last]
        if len(document) != len(excerpt["body"]):
            problems.append(f"markdown lines {md_first}-{md_last} count differs")
        for offset, (doc_line, body_line) in enumerate(zip(document, excerpt["body"])):
            if not doc_line.rstrip().endswith(body_line.strip()):
                problems.append(f"markdown line {md_first + offset} differs")
            if source.markdown_line(first + offset) != md_first + offset:
                problems.append(f"markdown line of {excerpt['file']}:{first + offset}")
    return problems
