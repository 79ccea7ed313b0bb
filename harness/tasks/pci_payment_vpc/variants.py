"""Single-flaw variants of the ideal response, for calibrating the task's rules.

A variant is a copy of the ideal project with exactly one taxonomy item's flaw
applied by exact text edits. Each edit raises `VariantError` unless its target
text occurs exactly once, so a change to the ideal breaks the generator loudly
instead of producing a variant with the wrong flaw or none.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError, HarnessError

logger = logging.getLogger(__name__)

STACK_FILE = "lib/payment_vpc_stack.py"
TEST_FILE = "tests/unit/test_payment_vpc_stack.py"
README_FILE = "README.md"
MAKEFILE = "Makefile"

# Build and cache directories that a run of the ideal may leave behind.
IGNORED_NAMES = ("__pycache__", "cdk.out", ".pytest_cache", ".coverage", ".venv")


class VariantError(HarnessError):
    """The ideal response no longer contains the text a flaw edits."""


@dataclass(frozen=True)
class Replace:
    """Replace `old`, which must occur exactly once in `path`, with `new`."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Rewrite:
    """Replace the whole content of `path`, which must exist."""

    path: str
    text: str


@dataclass(frozen=True)
class Delete:
    """Delete `path`, which must exist."""

    path: str


Edit = Replace | Rewrite | Delete


@dataclass(frozen=True)
class Flaw:
    """The edits that break one taxonomy item, and the items that break with it.

    `consequences` lists the other items that fail because of this flaw, as
    the taxonomy links them. `note` states a side effect that is not a failure.
    """

    item_id: str
    slug: str
    description: str
    edits: tuple[Edit, ...]
    consequences: tuple[str, ...] = ()
    note: str = ""


def _remove(path: str, text: str) -> Replace:
    return Replace(path, text, "")


_FLOW_LOG_CALL = "        self.flow_log = self._enable_flow_logs(self.flow_log_group)\n"
_LOG_GROUP_CALL = "        self.flow_log_group = self._create_flow_log_group()\n"
_ENDPOINT_CALL = "        self.s3_endpoint = self._create_s3_endpoint()\n"

_ENDPOINT_OUTPUT = """\
        self._output(
            "S3EndpointId", self.s3_endpoint.vpc_endpoint_id, "ID of the S3 endpoint"
        )
"""
_LOG_GROUP_OUTPUT = """\
        self._output(
            "FlowLogGroupName",
            self.flow_log_group.log_group_name,
            "CloudWatch Logs group that receives the VPC flow logs",
        )
"""
_CIDR_OUTPUT = (
    '        self._output("VpcCidr", vpc.vpc_cidr_block, '
    '"CIDR block of the payment VPC")\n'
)
_EXPORTED_OUTPUT = '''\
        """Add an output exported as `<stack name>-<output id>` for other stacks."""
        return CfnOutput(
            self,
            output_id,
            value=value,
            description=description,
            export_name=f"{self.stack_name}-{output_id}",
        )
'''
_PLAIN_OUTPUT = '''\
        """Add a stack output."""
        return CfnOutput(
            self,
            output_id,
            value=value,
            description=description,
        )
'''
_NACL_ASSOCIATION = """\
            subnet_selection=ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
            ),
"""
_DENY_ALL_ENTRY = """\
            acl.add_entry(
                f"DenyAll{direction_name}",
                cidr=ec2.AclCidr.any_ipv4(),
                rule_number=DENY_ALL_RULE_NUMBER,
                traffic=ec2.AclTraffic.all_traffic(),
                direction=direction,
                rule_action=ec2.Action.DENY,
            )
"""
_HEALTH_CHECK_METHOD = '''\
    def _create_health_check(self) -> lambda_.Function:
        """Add a function that reports the health of the payment service."""
        return lambda_.Function(
            self,
            "HealthCheckFunction",
            function_name=f"payment-health-check-{self.environment_suffix}",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(
                "def handler(event, context):\\n"
                "    return {'statusCode': 200, 'body': 'ok'}\\n"
            ),
            reserved_concurrent_executions=100,
        )

    def _add_outputs(self) -> None:
'''

SMOKE_TESTS = """\
import aws_cdk as cdk
from aws_cdk.assertions import Template

from lib.payment_vpc_stack import PaymentVpcStack


def make_template():
    app = cdk.App()
    stack = PaymentVpcStack(app, "TestStack", environment_suffix="test")
    return Template.from_stack(stack)


def test_vpc_created():
    template = make_template()
    template.resource_count_is("AWS::EC2::VPC", 1)


def test_subnets_created():
    template = make_template()
    assert len(template.find_resources("AWS::EC2::Subnet")) > 0


def test_internet_gateway_created():
    template = make_template()
    template.resource_count_is("AWS::EC2::InternetGateway", 1)
"""

SHORT_README = """\
# Payment VPC

VPC infrastructure for the payment processing application, built with the AWS CDK.

## Installation

```bash
pip install -r requirements.txt
```

## Deploy

```bash
cdk deploy
```

## Test

```bash
pytest
```
"""


def _flaws() -> dict[str, Flaw]:
    flaws = [
        Flaw(
            "1",
            "availability-zones",
            "The AZ list repeats its first zone, so subnets span only 2 distinct AZs.",
            (
                Replace(
                    STACK_FILE,
                    'for letter in "abc"]',
                    'for letter in "aba"]',
                ),
                Replace(
                    STACK_FILE,
                    "for index in range(AZ_COUNT)]",
                    "for index in (0, 1, 0)]",
                ),
            ),
            note=(
                "Both tiers keep 3 subnets and 3 subnet outputs, and 3 NAT gateways"
                " remain. Two NAT gateways share the repeated AZ, and the private"
                " subnets of that AZ both route to the later one, so the earlier"
                " one carries no private route."
            ),
        ),
        Flaw(
            "2",
            "nat-gateway-per-az",
            "One NAT gateway serves the private subnets of all 3 AZs.",
            (Replace(STACK_FILE, "nat_gateways=AZ_COUNT,", "nat_gateways=1,"),),
        ),
        Flaw(
            "3",
            "vpc-flow-logs",
            "The log group exists, but no flow log writes to it.",
            (_remove(STACK_FILE, _FLOW_LOG_CALL),),
            note="The log group, its retention and its output remain.",
        ),
        Flaw(
            "4",
            "s3-gateway-endpoint",
            "No S3 endpoint, and so no output of its ID.",
            (
                _remove(STACK_FILE, _ENDPOINT_CALL),
                _remove(STACK_FILE, _ENDPOINT_OUTPUT),
            ),
            consequences=("12",),
        ),
        Flaw(
            "5",
            "nacl-private-association",
            "The custom network ACL has its entries but is associated with no subnet.",
            (_remove(STACK_FILE, _NACL_ASSOCIATION),),
        ),
        Flaw(
            "6",
            "required-tags",
            "Only the Environment tag is applied, so Project is missing everywhere.",
            (_remove(STACK_FILE, '    "Project": "PaymentGateway",\n'),),
        ),
        Flaw(
            "7",
            "nacl-service-ports",
            "The network ACL allows 443 and 3306 but not Redis on 6379.",
            (_remove(STACK_FILE, '    ("Redis", 6379, 6379),\n'),),
        ),
        Flaw(
            "8",
            "nacl-ephemeral-ports",
            "The network ACL has no entries for the ephemeral range 1024-65535.",
            (_remove(STACK_FILE, '    ("Ephemeral", 1024, 65535),\n'),),
        ),
        Flaw(
            "9",
            "nacl-explicit-deny",
            "The network ACL relies on its implicit deny, with no deny-all entries.",
            (_remove(STACK_FILE, _DENY_ALL_ENTRY),),
        ),
        Flaw(
            "10",
            "flow-log-retention",
            "No log group, so no flow logs into it and no output of its name.",
            (
                _remove(STACK_FILE, _LOG_GROUP_CALL + _FLOW_LOG_CALL),
                _remove(STACK_FILE, _LOG_GROUP_OUTPUT),
            ),
            consequences=("3", "13"),
        ),
        Flaw(
            "11",
            "subnet-outputs",
            "Only the first subnet of each tier gets an output.",
            (
                Replace(
                    STACK_FILE,
                    "enumerate(subnets, start=1)",
                    "enumerate(subnets[:1], start=1)",
                ),
            ),
        ),
        Flaw(
            "12",
            "s3-endpoint-output",
            "The S3 endpoint exists, but no output gives its ID.",
            (_remove(STACK_FILE, _ENDPOINT_OUTPUT),),
        ),
        Flaw(
            "13",
            "flow-log-group-output",
            "The log group exists, but no output gives its name.",
            (_remove(STACK_FILE, _LOG_GROUP_OUTPUT),),
        ),
        Flaw(
            "14",
            "output-exports",
            "Outputs have no export names, and no output gives the VPC CIDR.",
            (
                Replace(STACK_FILE, _EXPORTED_OUTPUT, _PLAIN_OUTPUT),
                _remove(STACK_FILE, _CIDR_OUTPUT),
            ),
        ),
        Flaw(
            "15",
            "test-coverage",
            "The unit tests only check that a VPC, subnets and a gateway exist.",
            (Rewrite(TEST_FILE, SMOKE_TESTS),),
        ),
        Flaw(
            "16",
            "readme",
            "The README covers installation, deployment and tests only.",
            (Rewrite(README_FILE, SHORT_README),),
        ),
        Flaw(
            "17",
            "package-scripts",
            "No Makefile, so the project offers no task-runner targets.",
            (Delete(MAKEFILE),),
            note="The ideal README still names the make targets.",
        ),
        Flaw(
            "18",
            "lambda-reserved-concurrency",
            "A Lambda function hard-codes 100 reserved concurrent executions.",
            (
                Replace(
                    STACK_FILE,
                    "    aws_logs as logs,\n)",
                    "    aws_lambda as lambda_,\n    aws_logs as logs,\n)",
                ),
                Replace(
                    STACK_FILE,
                    "        self._add_outputs()\n",
                    "        self.health_check = self._create_health_check()\n"
                    "        self._add_outputs()\n",
                ),
                Replace(
                    STACK_FILE,
                    "    def _add_outputs(self) -> None:\n",
                    _HEALTH_CHECK_METHOD,
                ),
            ),
        ),
    ]
    return {flaw.item_id: flaw for flaw in flaws}


FLAWS: dict[str, Flaw] = _flaws()


def make_variant(item_id: str, ideal_dir: Path, out_dir: Path) -> Path:
    """Copy `ideal_dir` to `out_dir`, apply the flaw of `item_id` and return `out_dir`.

    `out_dir` must not exist yet. Raises ConfigError for an unknown item id or an
    existing `out_dir`, and VariantError when an edit's target is missing.
    """
    flaw = FLAWS.get(item_id)
    if flaw is None:
        raise ConfigError(
            f"unknown taxonomy item {item_id!r}: expected one of {', '.join(FLAWS)}"
        )
    if not (ideal_dir / "app.py").is_file():
        raise ConfigError(
            f"ideal response not found: {ideal_dir} has no app.py; pass the "
            "directory of the ideal Python CDK project"
        )
    if out_dir.exists():
        raise ConfigError(
            f"variant directory {out_dir} already exists; remove it or choose "
            "another output directory"
        )
    shutil.copytree(ideal_dir, out_dir, ignore=shutil.ignore_patterns(*IGNORED_NAMES))
    try:
        for edit in flaw.edits:
            _apply(edit, out_dir, item_id)
    except VariantError:
        shutil.rmtree(out_dir)
        raise
    logger.debug("wrote variant of item %s to %s", item_id, out_dir)
    return out_dir


def make_all_variants(ideal_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write each item's variant to `out_dir/item-<id>` and return them by item id."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        item_id: make_variant(item_id, ideal_dir, out_dir / f"item-{item_id}")
        for item_id in FLAWS
    }


def _apply(edit: Edit, project_dir: Path, item_id: str) -> None:
    target = project_dir / edit.path
    if not target.is_file():
        raise VariantError(
            f"flaw of item {item_id}: {edit.path} not found in the ideal response; "
            "update the flaw's edits in harness.tasks.pci_payment_vpc.variants"
        )
    if isinstance(edit, Delete):
        target.unlink()
    elif isinstance(edit, Rewrite):
        target.write_text(edit.text)
    else:
        text = target.read_text()
        count = text.count(edit.old)
        if count != 1:
            raise VariantError(
                f"flaw of item {item_id}: expected the text {edit.old!r} exactly "
                f"once in {edit.path}, found it {count} times; update the flaw's "
                "edits to match the ideal response"
            )
        target.write_text(text.replace(edit.old, edit.new))
