"""Evaluate CloudFormation intrinsic functions the way a deployment would.

A value that is decided only at deployment (a physical ID, an attribute such
as an ARN, a parameter without a default) stays symbolic as a `ResourceRef`,
`AttrRef` or `Token`. Resolution does not raise on malformed intrinsic
arguments either: they become tokens too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from harness.template._values import (
    NO_VALUE,
    AttrRef,
    ResourceRef,
    Token,
    references,
    render,
)

logger = logging.getLogger(__name__)

AZ_LETTERS = "abcdef"
# Attributes that return the same physical ID as `Ref` of the resource, as the
# CloudFormation reference of each type documents.
ID_ATTRIBUTES = {
    ("AWS::EC2::VPC", "VpcId"),
    ("AWS::EC2::Subnet", "SubnetId"),
    ("AWS::EC2::RouteTable", "RouteTableId"),
    ("AWS::EC2::NatGateway", "NatGatewayId"),
    ("AWS::EC2::InternetGateway", "InternetGatewayId"),
    ("AWS::EC2::NetworkAcl", "Id"),
    ("AWS::EC2::VPCEndpoint", "Id"),
    ("AWS::EC2::SecurityGroup", "GroupId"),
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def partition_of(region: str) -> tuple[str, str]:
    """Return (partition, URL suffix) of a region name."""
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


class Resolver:
    """Resolve values of the templates of one response, each in its own stack.

    `envs` maps a stack name to its (account, region). In that stack,
    `AWS::AccountId`, `AWS::Region` and `Fn::GetAZs` resolve to those values.
    """

    def __init__(
        self,
        templates: Mapping[str, dict[str, Any]],
        envs: Mapping[str, tuple[str, str]],
    ) -> None:
        self._templates = templates
        self._envs = envs
        self._exports: dict[str, tuple[str, Any]] | None = None
        self._conditions: dict[tuple[str, str], bool | None] = {}
        self._active: set[tuple[str, str]] = set()

    def resolve(self, stack: str, value: Any) -> Any:
        """Return `value` with every intrinsic function of `stack` evaluated."""
        if isinstance(value, list):
            items = [self.resolve(stack, item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            handler = _INTRINSICS.get(name)
            if name == "Condition" and not isinstance(argument, str):
                handler = None
            if handler is not None:
                return handler(self, stack, argument)
            if name.startswith("Fn::"):
                return Token(f"{{{name}}}")
        resolved = {key: self.resolve(stack, item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def condition(self, stack: str, name: str) -> bool | None:
        """Return the value of a named condition, or None when it is unknown."""
        cache_key = (stack, name)
        if cache_key not in self._conditions:
            self._conditions[cache_key] = None
            body = self._section(stack, "Conditions").get(name)
            result = self.resolve(stack, body) if body is not None else None
            self._conditions[cache_key] = result if isinstance(result, bool) else None
        return self._conditions[cache_key]

    def export(self, name: str) -> tuple[str, Any] | None:
        """Return (stack, raw value) of the output exported as `name`, if any."""
        if self._exports is None:
            self._exports = {}
            for stack, template in self._templates.items():
                for output in (template.get("Outputs") or {}).values():
                    export = (output.get("Export") or {}).get("Name")
                    export_name = self.resolve(stack, export)
                    if isinstance(export_name, str):
                        self._exports[export_name] = (stack, output.get("Value"))
        return self._exports.get(name)

    def env(self, stack: str) -> tuple[str, str]:
        return self._envs[stack]

    def _section(self, stack: str, section: str) -> dict[str, Any]:
        return self._templates.get(stack, {}).get(section) or {}

    def _ref(self, stack: str, name: Any) -> Any:
        if not isinstance(name, str):
            return Token(f"{{Ref:{render(self.resolve(stack, name))}}}")
        pseudo = self._pseudo(stack, name)
        if pseudo is not None:
            return pseudo
        if name in self._section(stack, "Resources"):
            return ResourceRef(stack, name)
        parameter = self._section(stack, "Parameters").get(name)
        if parameter is not None:
            return _parameter_value(name, parameter)
        logger.debug("Ref to unknown name %s in stack %s", name, stack)
        return Token("${" + name + "}")

    def _pseudo(self, stack: str, name: str) -> Any:
        account, region = self._envs[stack]
        partition, suffix = partition_of(region)
        values = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::StackName": stack,
            "AWS::Partition": partition,
            "AWS::URLSuffix": suffix,
            "AWS::NoValue": NO_VALUE,
            "AWS::StackId": Token("${AWS::StackId}"),
            "AWS::NotificationARNs": Token("${AWS::NotificationARNs}"),
        }
        return values.get(name)

    def _get_att(self, stack: str, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, _, attribute = argument.partition(".")
        elif isinstance(argument, list) and len(argument) == 2:
            logical_id = argument[0]
            attribute = render(self.resolve(stack, argument[1]))
        else:
            return Token(f"{{Fn::GetAtt:{argument!r}}}")
        resource = self._section(stack, "Resources").get(logical_id)
        if not isinstance(resource, dict):
            return Token("${" + f"{logical_id}.{attribute}" + "}")
        if (resource.get("Type"), attribute) in ID_ATTRIBUTES:
            return ResourceRef(stack, logical_id)
        return AttrRef(stack, logical_id, attribute)

    def echoed_property(self, ref: AttrRef) -> Any:
        """Return the property that attribute `ref` echoes, or `ref` itself.

        Some attributes return a property of the same name unchanged (a
        subnet's `AvailabilityZone`, a VPC's `CidrBlock`), so for those the
        resolved property is the attribute's value.
        """
        # NOTE: this treats every attribute named like a property as an echo
        # of it. That holds for the VPC and subnet attributes the rules read,
        # but has not been checked for every resource type.
        guard = (ref.stack, ref.logical_id + "." + ref.attribute)
        resource = self._section(ref.stack, "Resources").get(ref.logical_id) or {}
        properties = resource.get("Properties") or {}
        if ref.attribute not in properties or guard in self._active:
            return ref
        self._active.add(guard)
        try:
            return self.resolve(ref.stack, properties[ref.attribute])
        finally:
            self._active.discard(guard)

    def _select(self, stack: str, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Token(f"{{Fn::Select:{argument!r}}}")
        index = self.resolve(stack, argument[0])
        items = self.resolve(stack, argument[1])
        try:
            position = int(index)
        except (TypeError, ValueError):
            return Token(
                f"{{Fn::Select:{render(index)}}}", frozenset(references(items))
            )
        if isinstance(items, list) and 0 <= position < len(items):
            return items[position]
        return Token(f"{{Fn::Select:{position}:{render(items)}}}", _refs(items))

    def _get_azs(self, stack: str, argument: Any) -> Any:
        region = self.resolve(stack, argument)
        if region in ("", None):
            region = self._envs[stack][1]
        if not isinstance(region, str):
            return Token(f"{{Fn::GetAZs:{render(region)}}}")
        return [region + letter for letter in AZ_LETTERS]

    def _join(self, stack: str, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Token(f"{{Fn::Join:{argument!r}}}")
        delimiter = render(self.resolve(stack, argument[0]))
        parts = self.resolve(stack, argument[1])
        if not isinstance(parts, list):
            return Token(f"{{Fn::Join:{render(parts)}}}", _refs(parts))
        return _concatenate(delimiter, parts)

    def _sub(self, stack: str, argument: Any) -> Any:
        if isinstance(argument, list) and len(argument) == 2:
            text, variables = argument[0], argument[1] or {}
        else:
            text, variables = argument, {}
        if not isinstance(text, str) or not isinstance(variables, dict):
            return Token(f"{{Fn::Sub:{argument!r}}}")
        parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(text[position : match.start()])
            parts.append(self._sub_variable(stack, match.group(1), variables))
            position = match.end()
        parts.append(text[position:])
        return _concatenate("", parts)

    def _sub_variable(self, stack: str, name: str, variables: dict) -> Any:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return self.resolve(stack, variables[name])
        if "." in name and not name.startswith("AWS::"):
            return self._get_att(stack, name)
        return self._ref(stack, name)

    def _split(self, stack: str, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 2:
            return Token(f"{{Fn::Split:{argument!r}}}")
        delimiter = self.resolve(stack, argument[0])
        source = self.resolve(stack, argument[1])
        if isinstance(delimiter, str) and isinstance(source, str):
            return source.split(delimiter)
        return Token(f"{{Fn::Split:{render(source)}}}", _refs(source))

    def _import_value(self, stack: str, argument: Any) -> Any:
        name = self.resolve(stack, argument)
        found = self.export(name) if isinstance(name, str) else None
        if found is None:
            return Token(f"{{Fn::ImportValue:{render(name)}}}")
        source_stack, value = found
        return self.resolve(source_stack, value)

    def _find_in_map(self, stack: str, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) < 3:
            return Token(f"{{Fn::FindInMap:{argument!r}}}")
        keys = [self.resolve(stack, part) for part in argument[:3]]
        current: Any = self._section(stack, "Mappings")
        for key in keys:
            if not isinstance(key, str) or not isinstance(current, dict):
                return Token(f"{{Fn::FindInMap:{render(keys)}}}")
            current = current.get(key)
        if current is None:
            return Token(f"{{Fn::FindInMap:{render(keys)}}}")
        return current

    def _if(self, stack: str, argument: Any) -> Any:
        if not isinstance(argument, list) or len(argument) != 3:
            return Token(f"{{Fn::If:{argument!r}}}")
        if not isinstance(argument[0], str):
            return Token(f"{{Fn::If:{argument[0]!r}}}")
        chosen = self.condition(stack, argument[0])
        if chosen is None:
            return Token(f"{{Fn::If:{argument[0]}}}")
        return self.resolve(stack, argument[1] if chosen else argument[2])

    def _equals(self, stack: str, argument: Any) -> bool | None:
        if not isinstance(argument, list) or len(argument) != 2:
            return None
        left, right = (self.resolve(stack, part) for part in argument)
        if _is_symbolic(left) or _is_symbolic(right):
            return None
        return render(left) == render(right)

    def _logical(self, stack: str, argument: Any, combine: Any) -> bool | None:
        if not isinstance(argument, list):
            return None
        values = [self.resolve(stack, part) for part in argument]
        if any(not isinstance(value, bool) for value in values):
            return None
        return combine(values)

    def _condition_ref(self, stack: str, argument: str) -> bool | None:
        return self.condition(stack, argument)


def _parameter_value(name: str, parameter: dict) -> Any:
    default = parameter.get("Default")
    kind = str(parameter.get("Type", "String"))
    if default is None or kind.startswith("AWS::SSM::Parameter::Value"):
        return Token("${" + name + "}")
    if isinstance(default, str) and (
        kind == "CommaDelimitedList" or kind.startswith("List<")
    ):
        return [part.strip() for part in default.split(",")]
    return default


def _refs(value: Any) -> frozenset[ResourceRef | AttrRef]:
    return frozenset(references(value))


def _is_symbolic(value: Any) -> bool:
    return any(True for _ in references(value)) or isinstance(value, Token)


def _concatenate(delimiter: str, parts: list[Any]) -> Any:
    """Join parts into a string, or into a Token when any part is symbolic."""
    if all(isinstance(part, str | int | float) for part in parts):
        return delimiter.join(render(part) for part in parts)
    return Token(delimiter.join(render(part) for part in parts), _refs(parts))


_INTRINSICS: dict[str, Any] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Select": Resolver._select,
    "Fn::GetAZs": Resolver._get_azs,
    "Fn::Join": Resolver._join,
    "Fn::Sub": Resolver._sub,
    "Fn::Split": Resolver._split,
    "Fn::ImportValue": Resolver._import_value,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::If": Resolver._if,
    "Fn::Equals": Resolver._equals,
    "Fn::And": lambda self, stack, arg: self._logical(stack, arg, all),
    "Fn::Or": lambda self, stack, arg: self._logical(stack, arg, any),
    "Fn::Not": lambda self, stack, arg: self._logical(
        stack, arg, lambda values: not values[0] if len(values) == 1 else None
    ),
    "Condition": Resolver._condition_ref,
}
