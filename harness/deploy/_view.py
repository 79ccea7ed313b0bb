"""The read-only view of one stack that API-constraint checks work on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from harness._synth_result import Stack
from harness.cfn import Resolver
from harness.cfn._intrinsics import section

_MISSING = object()


@dataclass(frozen=True)
class Violation:
    """One breach of a documented constraint, at a resource property if known."""

    message: str
    logical_id: str | None = None
    property_path: str | None = None


@dataclass(frozen=True)
class Constraint:
    """A documented AWS API constraint that cfn-lint does not enforce."""

    id: str
    title: str
    doc_url: str
    check: Callable[[TemplateView], Iterator[Violation]]
    level: str = "error"


@dataclass(frozen=True)
class Value:
    """A property value: `static` is False when it could not be resolved.

    `literal` is True when the template wrote the value itself (no intrinsic
    function), which cfn-lint already checks in several places.
    """

    static: bool
    value: Any
    literal: bool


class TemplateView:
    """Resources by type and static property values of one stack's template."""

    def __init__(self, stack: Stack, region: str) -> None:
        self.stack = stack
        self.template = stack.template
        self.resolver = Resolver.for_template(stack.template, region=region)
        self.resolver.stack_name = stack.name

    def resources(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield (logical ID, Properties) of every resource of `resource_type`."""
        for logical_id, resource in section(self.template, "Resources").items():
            if isinstance(resource, dict) and resource.get("Type") == resource_type:
                properties = resource.get("Properties")
                yield logical_id, properties if isinstance(properties, dict) else {}

    def value(self, properties: dict[str, Any], path: str) -> Value | None:
        """Return the value at dotted `path` under `properties`, None when absent."""
        node: Any = properties
        for key in path.split("."):
            node = node.get(key, _MISSING) if isinstance(node, dict) else _MISSING
            if node is _MISSING:
                return None
        static, resolved = self.resolver.try_resolve(node)
        literal = not isinstance(node, (dict, list))
        return Value(static, resolved if static else None, literal)

    def integer(self, properties: dict[str, Any], path: str) -> int | None:
        """Return the static integer at `path`, None when absent, dynamic or not a number."""
        found = self.value(properties, path)
        if found is None or not found.static or isinstance(found.value, bool):
            return None
        try:
            return int(str(found.value).strip())
        except ValueError:
            return None

    def text(self, properties: dict[str, Any], path: str) -> str | None:
        """Return the static string at `path`, None when absent or dynamic."""
        found = self.value(properties, path)
        if found is None or not found.static or isinstance(found.value, (dict, list)):
            return None
        return str(found.value)
