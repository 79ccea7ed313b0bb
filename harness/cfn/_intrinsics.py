"""Evaluate the intrinsic functions of a template where their value is static.

A value is static when it depends only on literals, parameter values, pseudo
parameters the harness fixes (region, account, partition, URL suffix),
mappings, known conditions and a VPC's literal CIDR block. Anything else
(a resource's ID or ARN, `Fn::GetAZs`, `AWS::StackName` unless the caller
sets it) is unresolved.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# Parameter types whose value CloudFormation looks up at deploy time; their
# Default is a lookup key, not the value.
_LOOKUP_TYPE_PREFIX = "AWS::SSM::Parameter::Value<"

# Properties that `Fn::GetAtt` returns unchanged, per resource type.
_PASS_THROUGH_ATTRIBUTES: dict[tuple[Any, Any], str] = {
    ("AWS::EC2::VPC", "CidrBlock"): "CidrBlock"
}

_CIDR_MAX_COUNT = 256
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Unresolved(Exception):
    """Raised inside the resolver when a value is not static; `reason` is the cause."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def section(template: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return a top-level template section, or {} when it is absent or not a mapping."""
    value = template.get(name)
    return value if isinstance(value, dict) else {}


def partition_of(region: str) -> str:
    """Return the AWS partition of a region name (`aws`, `aws-cn`, `aws-us-gov`)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def parameter_value(name: str, declaration: Any, override: Any = None) -> Any:
    """Return a parameter's value from `override` or its Default; raise Unresolved.

    List-typed parameters (`CommaDelimitedList`, `List<...>`) become lists.
    """
    declaration = declaration if isinstance(declaration, dict) else {}
    kind = str(declaration.get("Type", "String"))
    if override is None and kind.startswith(_LOOKUP_TYPE_PREFIX):
        raise Unresolved(f"parameter {name} is looked up in SSM at deploy time")
    value = override if override is not None else declaration.get("Default")
    if value is None:
        raise Unresolved(f"parameter {name} has no Default and no override")
    is_list = kind == "CommaDelimitedList" or kind.startswith("List<")
    if is_list and isinstance(value, str):
        return [part.strip() for part in value.split(",")]
    return value


@dataclass
class Resolver:
    """Static evaluation of intrinsic functions over one template."""

    template: Mapping[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    region: str = DEFAULT_REGION
    account: str = DEFAULT_ACCOUNT
    conditions: dict[str, bool | None] = field(default_factory=dict)
    # The name the stack is deployed under, when the caller knows it.
    stack_name: str | None = None

    @classmethod
    def for_template(
        cls,
        template: Mapping[str, Any],
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        overrides: Mapping[str, Any] | None = None,
    ) -> Resolver:
        """Build a resolver whose parameters come from `overrides` or Defaults."""
        overrides = overrides or {}
        values: dict[str, Any] = {}
        declared = template.get("Parameters")
        for name, declaration in (
            declared if isinstance(declared, dict) else {}
        ).items():
            try:
                values[name] = parameter_value(name, declaration, overrides.get(name))
            except Unresolved:
                continue
        return cls(template, values, region, account)

    def try_resolve(self, value: Any) -> tuple[bool, Any]:
        """Return (True, value) when `value` is static, else (False, reason)."""
        try:
            return True, self.resolve(value)
        except Unresolved as exc:
            return False, exc.reason

    def resolve(self, value: Any) -> Any:
        """Return the static value of `value`; raise Unresolved when it has none."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            handler = _HANDLERS.get(key)
            if handler is not None:
                return _call(handler, self, key, argument)
            if key.startswith("Fn::"):
                raise Unresolved(f"{key} is not evaluated statically")
        return {key: self.resolve(item) for key, item in value.items()}

    def pseudo(self, name: str) -> Any:
        """Return the value of a pseudo parameter the harness fixes."""
        values = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": partition_of(self.region),
            "AWS::URLSuffix": (
                "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"
            ),
        }
        if self.stack_name is not None:
            values["AWS::StackName"] = self.stack_name
        if name not in values:
            raise Unresolved(f"{name} is known only at deploy time")
        return values[name]

    def condition(self, name: str) -> bool:
        """Return a named condition's value; raise Unresolved when it is unknown."""
        known = self.conditions.get(name)
        if known is None:
            raise Unresolved(f"condition {name} is not known statically")
        return known


def _call(handler: Any, resolver: Resolver, key: str, argument: Any) -> Any:
    """Run one handler, so that a malformed argument reads as unresolved."""
    try:
        return handler(resolver, argument)
    except Unresolved:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise Unresolved(f"malformed {key}: {exc}") from exc


def _ref(resolver: Resolver, name: Any) -> Any:
    if not isinstance(name, str):
        raise Unresolved(f"Ref to a non-string {name!r}")
    if name.startswith("AWS::"):
        return resolver.pseudo(name)
    if name in resolver.parameters:
        return resolver.parameters[name]
    raise Unresolved(f"Ref {name} is a resource or an unset parameter")


def _get_att(resolver: Resolver, argument: Any) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if not (isinstance(argument, list) and len(argument) == 2):
        raise Unresolved(f"malformed Fn::GetAtt {argument!r}")
    logical_id, attribute = argument
    resource = section(resolver.template, "Resources").get(logical_id)
    if not isinstance(resource, dict):
        raise Unresolved(f"Fn::GetAtt of unknown resource {logical_id}")
    prop = _PASS_THROUGH_ATTRIBUTES.get((resource.get("Type"), attribute))
    properties = resource.get("Properties") or {}
    if prop is None or prop not in properties:
        raise Unresolved(f"{logical_id}.{attribute} is known only after creation")
    return resolver.resolve(properties[prop])


def _sub(resolver: Resolver, argument: Any) -> str:
    variables: dict[str, Any] = {}
    if isinstance(argument, list) and len(argument) == 2:
        argument, variables = argument[0], dict(argument[1] or {})
    if not isinstance(argument, str):
        raise Unresolved("Fn::Sub of a non-string")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return _as_text(resolver.resolve(variables[name]))
        if "." in name:
            return _as_text(_get_att(resolver, name.split(".", 1)))
        return _as_text(_ref(resolver, name))

    return _SUB_VARIABLE.sub(replace, argument)


def _join(resolver: Resolver, argument: Any) -> str:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise Unresolved("malformed Fn::Join")
    delimiter, items = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    if not isinstance(items, list):
        raise Unresolved("Fn::Join of a non-list")
    return str(delimiter).join(_as_text(item) for item in items)


def _select(resolver: Resolver, argument: Any) -> Any:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise Unresolved("malformed Fn::Select")
    index, items = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    if not isinstance(items, list):
        raise Unresolved("Fn::Select of a non-list")
    try:
        position = int(index)
        if position < 0:
            raise IndexError(position)
        return items[position]
    except (ValueError, IndexError) as exc:
        raise Unresolved(f"Fn::Select index {index!r} out of range") from exc


def _split(resolver: Resolver, argument: Any) -> list[str]:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise Unresolved("malformed Fn::Split")
    delimiter, source = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    return str(source).split(str(delimiter))


def _find_in_map(resolver: Resolver, argument: Any) -> Any:
    if not (isinstance(argument, list) and len(argument) == 3):
        raise Unresolved("malformed Fn::FindInMap")
    keys = [_as_text(resolver.resolve(part)) for part in argument]
    node: Any = section(resolver.template, "Mappings")
    for key in keys:
        if not isinstance(node, dict) or key not in node:
            raise Unresolved(f"Fn::FindInMap key {key} not found")
        node = node[key]
    return node


def _cidr(resolver: Resolver, argument: Any) -> list[str]:
    if not (isinstance(argument, list) and len(argument) == 3):
        raise Unresolved("malformed Fn::Cidr")
    block, count, bits = (resolver.resolve(part) for part in argument)
    try:
        network = ipaddress.ip_network(str(block), strict=False)
        prefix = network.max_prefixlen - int(bits)
        # Fn::Cidr returns 1 to 256 blocks.
        if not 1 <= int(count) <= _CIDR_MAX_COUNT:
            raise ValueError(f"count {count} is outside 1-{_CIDR_MAX_COUNT}")
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(int(count))]
    except (ValueError, StopIteration) as exc:
        raise Unresolved(f"Fn::Cidr {argument!r} cannot be computed") from exc


def _if(resolver: Resolver, argument: Any) -> Any:
    if not (isinstance(argument, list) and len(argument) == 3):
        raise Unresolved("malformed Fn::If")
    chosen = argument[1] if resolver.condition(str(argument[0])) else argument[2]
    return resolver.resolve(chosen)


def _equals(resolver: Resolver, argument: Any) -> bool:
    if not (isinstance(argument, list) and len(argument) == 2):
        raise Unresolved("malformed Fn::Equals")
    left, right = (resolver.resolve(part) for part in argument)
    return _as_text(left) == _as_text(right)


def _not(resolver: Resolver, argument: Any) -> bool:
    items = argument if isinstance(argument, list) else [argument]
    if len(items) != 1:
        raise Unresolved("malformed Fn::Not")
    return not _truth(resolver, items[0])


def _and(resolver: Resolver, argument: Any) -> bool:
    return _combine(resolver, argument, all_of=True)


def _or(resolver: Resolver, argument: Any) -> bool:
    return _combine(resolver, argument, all_of=False)


def _combine(resolver: Resolver, argument: Any, all_of: bool) -> bool:
    """Evaluate Fn::And / Fn::Or, deciding early when one operand settles it."""
    if not isinstance(argument, list):
        raise Unresolved("Fn::And / Fn::Or of a non-list")
    unknown: Unresolved | None = None
    for operand in argument:
        try:
            value = _truth(resolver, operand)
        except Unresolved as exc:
            unknown = exc
            continue
        if value is not all_of:
            return value
    if unknown is not None:
        raise unknown
    return all_of


def _truth(resolver: Resolver, value: Any) -> bool:
    result = resolver.resolve(value)
    if isinstance(result, bool):
        return result
    if isinstance(result, str) and result.lower() in ("true", "false"):
        return result.lower() == "true"
    raise Unresolved(f"condition operand {value!r} is not a boolean")


def _condition(resolver: Resolver, name: Any) -> bool:
    return resolver.condition(str(name))


def _length(resolver: Resolver, argument: Any) -> int:
    items = resolver.resolve(argument)
    if not isinstance(items, list):
        raise Unresolved("Fn::Length of a non-list")
    return len(items)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise Unresolved(f"{value!r} is not a scalar")
    return str(value)


_HANDLERS = {
    "Ref": _ref,
    "Condition": _condition,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::FindInMap": _find_in_map,
    "Fn::Cidr": _cidr,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Fn::Length": _length,
}
