"""Requirements of the pci-payment-vpc task and helpers its rules share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from harness.findings import Evidence, Finding, Status
from harness.template import FlowLog, LogGroup, Nacl, TemplateModel, VpcEndpoint

REQUIRED_AZS = 3
SERVICE_PORTS = (443, 3306, 6379)
EPHEMERAL_PORTS = (1024, 65535)
REQUIRED_TAGS = {"Environment": "Production", "Project": "PaymentGateway"}
FLOW_LOG_RETENTION_DAYS = 7
FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"
FLOW_LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def result(
    item_id: str,
    passed: bool,
    expected: str,
    actual: str,
    evidence: Iterable[Evidence] = (),
    consequence_of: Sequence[str] = (),
) -> Finding:
    """Return a pass or fail finding; evidence is kept in either case."""
    return Finding(
        item=item_id,
        status=Status.PASS if passed else Status.FAIL,
        expected=expected,
        actual=actual,
        evidence=tuple(evidence),
        consequence_of=tuple(consequence_of) if not passed else (),
    )


def vpc_evidence(model: TemplateModel, note: str) -> list[Evidence]:
    """Return evidence naming each VPC, for a requirement missing from it."""
    return [model.evidence(vpc.key, note) for vpc in model.vpcs]


def count(number: int, noun: str, plural: str | None = None) -> str:
    """Return "1 subnet" or "3 subnets"."""
    return f"{number} {noun if number == 1 else (plural or noun + 's')}"


def listing(values: Iterable[Any], ordered: bool = False) -> str:
    """Return values as "a, b and c" (sorted unless `ordered`), or "none"."""
    items = [str(value) for value in values]
    if not ordered:
        items.sort()
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def checked_nacls(model: TemplateModel) -> list[Nacl]:
    """Return the network ACLs the ACL rules judge.

    These are the ACLs associated with a private subnet. When no ACL is, the
    rules judge every ACL of the template, so a correct but unassociated ACL
    fails only the association rule.
    """
    private = {subnet.key for subnet in model.private_subnets}
    associated = [nacl for nacl in model.nacls if private & set(nacl.subnets)]
    return associated or list(model.nacls)


def s3_endpoints(model: TemplateModel) -> list[VpcEndpoint]:
    return [endpoint for endpoint in model.endpoints if endpoint.service == "s3"]


def vpc_flow_logs(model: TemplateModel) -> list[FlowLog]:
    """Return the flow logs whose resource is a VPC of the template."""
    vpcs = {vpc.key for vpc in model.vpcs}
    return [flow for flow in model.flow_logs if flow.resource_key in vpcs]


def flow_log_groups(model: TemplateModel) -> list[LogGroup]:
    """Return the template's log groups that VPC flow logs deliver to.

    When the template has no VPC flow log at all, every log group of the
    template is a candidate: the missing flow log is item 3's failure, and
    the group it would write to can still be configured and exported.
    """
    flows = vpc_flow_logs(model)
    if not flows:
        return list(model.log_groups)
    keys = {flow.log_group for flow in flows if flow.log_group}
    return [group for group in model.log_groups if group.key in keys]


def direction(egress: bool) -> str:
    return "outbound" if egress else "inbound"
