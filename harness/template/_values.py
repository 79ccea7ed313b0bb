"""Values that a resolved template can hold besides JSON scalars, lists and dicts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Key = tuple[str, str]
"""A template element's identity: (stack name, logical ID)."""


@dataclass(frozen=True, order=True)
class ResourceRef:
    """`Ref` to a resource: its physical ID (a VPC ID, a log group name...)."""

    stack: str
    logical_id: str

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    def __str__(self) -> str:
        return "${" + self.logical_id + "}"


@dataclass(frozen=True, order=True)
class AttrRef:
    """`Fn::GetAtt` of a resource attribute that the template cannot tell."""

    stack: str
    logical_id: str
    attribute: str

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    def __str__(self) -> str:
        return "${" + f"{self.logical_id}.{self.attribute}" + "}"


@dataclass(frozen=True)
class Token:
    """A value known only at deploy time, kept symbolically.

    `text` renders it (`${LogicalId}` for each reference it contains) and
    `refs` keeps the resource references inside it, so a joined list of subnet
    IDs still records which subnets it contains.
    """

    text: str
    refs: frozenset[ResourceRef | AttrRef] = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.text


class _NoValue:
    """`AWS::NoValue`: the property or list element is removed."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


def render(value: Any) -> str:
    """Render a resolved value as text, references as `${LogicalId}`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(render(item) for item in value)
    return str(value)


def references(value: Any) -> Iterator[ResourceRef | AttrRef]:
    """Yield every resource reference anywhere inside a resolved value."""
    if isinstance(value, ResourceRef | AttrRef):
        yield value
    elif isinstance(value, Token):
        yield from sorted(value.refs, key=lambda ref: (str(type(ref)), ref.key))
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)


def ref_keys(value: Any) -> set[Key]:
    """Return the keys of the resources that a value names by `Ref`."""
    return {ref.key for ref in references(value) if isinstance(ref, ResourceRef)}


def as_int(value: Any) -> int | None:
    """Return `value` as an int when it is an integer or a numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool | None:
    """Return `value` as a bool when it is a bool or "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None
