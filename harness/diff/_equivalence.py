"""Property values that may differ without changing what is deployed.

Physical names (the `Name` tag, an export name, the name property of a log
group, role, function and similar resources) are free choices of the author,
so the diff compares them by presence only. A NACL entry's rule number only
fixes the order in which its NACL evaluates the entries of one direction. So
two paired entries' rule numbers count as equal when the entry keeps its
position among the paired entries of its NACL and direction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.diff._elements import Element, Key, RefTo, scalar_token
from harness.diff._match import Match

RULE_NUMBER = "Properties.RuleNumber"
NAME_PATHS = frozenset({"Properties.Tags.Name", "Export.Name"})
# The property that names each resource type's physical resource.
NAME_PROPERTIES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::Policy": "PolicyName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::SSM::Parameter": "Name",
}
_NACL_ENTRY = "AWS::EC2::NetworkAclEntry"


def name_paths(resource_type: str) -> frozenset[str]:
    """Return the paths of an element type that hold physical names."""
    name = NAME_PROPERTIES.get(resource_type)
    return NAME_PATHS | {f"Properties.{name}"} if name else NAME_PATHS


def same_rule_order(
    matches: list[Match], ideal: dict[Key, Element], model: dict[Key, Element]
) -> set[Key]:
    """Return the ideal keys of paired NACL entries that keep their evaluation order."""
    groups: dict[tuple, list[Match]] = defaultdict(list)
    for match in matches:
        entry = ideal[match.ideal]
        if entry.type == _NACL_ENTRY:
            groups[_nacl_and_direction(entry)].append(match)
    in_order: set[Key] = set()
    for group in groups.values():
        by_ideal = sorted(group, key=lambda m: _rule_number(ideal[m.ideal]))
        by_model = sorted(group, key=lambda m: _rule_number(model[m.model]))
        in_order.update(
            first.ideal for first, second in zip(by_ideal, by_model) if first is second
        )
    return in_order


def _nacl_and_direction(entry: Element) -> tuple:
    properties = entry.body.get("Properties") or {}
    acl = properties.get("NetworkAclId")
    acl_key = acl.key if isinstance(acl, RefTo) else repr(acl)
    return (acl_key, scalar_token(properties.get("Egress", False)))


def _rule_number(entry: Element) -> tuple[int, str]:
    value: Any = (entry.body.get("Properties") or {}).get("RuleNumber")
    try:
        return (int(value), "")
    except (TypeError, ValueError):
        return (0, repr(value))
