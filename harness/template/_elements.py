"""The elements a template model exposes, each with its values resolved."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.template._values import AttrRef, Key, ResourceRef, Token

Tier = Literal["public", "private", "isolated"]
_SERVICE_NAME = re.compile(r"^(?:[a-z]+\.)?com\.amazonaws\.[a-z0-9-]+\.(.+)$")


@dataclass(frozen=True)
class Resource:
    """A resource of one stack, its properties resolved."""

    stack: str
    logical_id: str
    type: str
    properties: dict[str, Any]
    attributes: dict[str, Any]

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


@dataclass(frozen=True)
class Vpc:
    stack: str
    logical_id: str
    cidr: Any
    dns_hostnames: bool | None
    dns_support: bool | None

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


@dataclass(frozen=True)
class Route:
    """A route of a route table; `target_kind` names the target's resource kind."""

    stack: str
    logical_id: str
    route_table: Key | None
    destination: Any
    target_kind: str
    target: Any

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def target_key(self) -> Key | None:
        if isinstance(self.target, ResourceRef | AttrRef):
            return self.target.key
        return None


@dataclass(frozen=True)
class Subnet:
    """A subnet, its tier read from the default route of its route table.

    `tier` is public when 0.0.0.0/0 goes to an internet gateway, isolated when
    there is no IPv4 default route, and private for any other target.
    """

    stack: str
    logical_id: str
    vpc: Any
    az: Any
    cidr: Any
    route_table: Key | None
    default_route: Route | None
    tier: Tier

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def is_private(self) -> bool:
        return self.tier != "public"


@dataclass(frozen=True)
class NatGateway:
    stack: str
    logical_id: str
    subnet: Key | None
    az: Any
    connectivity: str

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


@dataclass(frozen=True)
class InternetGateway:
    stack: str
    logical_id: str
    vpcs: tuple[Key, ...]

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


@dataclass(frozen=True)
class VpcEndpoint:
    """An `AWS::EC2::VPCEndpoint`; `type` is Gateway when the template omits it."""

    stack: str
    logical_id: str
    service_name: Any
    type: str
    vpc: Any
    route_tables: tuple[Key, ...]
    subnets: tuple[Key, ...]

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def service(self) -> str | None:
        """Return the short service name ("s3" of com.amazonaws.<region>.s3)."""
        text = self.service_name if isinstance(self.service_name, str) else None
        if text is None and isinstance(self.service_name, Token):
            text = self.service_name.text
        match = _SERVICE_NAME.match(text or "")
        return match.group(1) if match else None


@dataclass(frozen=True)
class FlowLog:
    """An `AWS::EC2::FlowLog`, its destination and role traced to resources.

    `log_group` is the log group resource of the response it delivers to, and
    `role` the IAM role whose ARN it uses. Each is None when the template does
    not name a resource of the response.
    """

    stack: str
    logical_id: str
    resource_type: Any
    resource: Any
    traffic_type: Any
    destination_type: str
    log_group_name: Any
    log_group: Key | None
    role: Key | None
    role_arn: Any

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def resource_key(self) -> Key | None:
        if isinstance(self.resource, ResourceRef):
            return self.resource.key
        return None


@dataclass(frozen=True)
class LogGroup:
    stack: str
    logical_id: str
    name: Any
    retention_days: int | None
    deletion_policy: str | None

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


@dataclass(frozen=True)
class LambdaFunction:
    stack: str
    logical_id: str
    properties: dict[str, Any]

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    @property
    def reserved_concurrency(self) -> Any:
        """Return `ReservedConcurrentExecutions`, or None when the template omits it."""
        return self.properties.get("ReservedConcurrentExecutions")


@dataclass(frozen=True)
class PolicyStatement:
    effect: str
    actions: tuple[str, ...]
    source: Key | None = None

    def matches(self, action: str) -> bool:
        wanted = action.lower()
        return any(fnmatch.fnmatchcase(wanted, item.lower()) for item in self.actions)


@dataclass(frozen=True)
class IamRole:
    """An IAM role with its trusted services and every statement that applies."""

    stack: str
    logical_id: str
    trusted_services: tuple[str, ...]
    statements: tuple[PolicyStatement, ...] = ()
    managed_policy_arns: tuple[Any, ...] = ()

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)

    def allows(self, action: str) -> bool:
        """Tell whether the role's policies allow `action` and no statement denies it."""
        if any(s.effect == "Deny" and s.matches(action) for s in self.statements):
            return False
        return any(s.effect == "Allow" and s.matches(action) for s in self.statements)


@dataclass(frozen=True)
class Output:
    """A stack output; `value` and `export_name` resolved, symbolic when unknown."""

    stack: str
    name: str
    value: Any
    export_name: Any
    description: Any = None
    refs: frozenset[ResourceRef | AttrRef] = field(default_factory=frozenset)

    @property
    def key(self) -> Key:
        return (self.stack, self.name)

    def names(self, key: Key) -> bool:
        """Tell whether the output's value contains `Ref` of resource `key`."""
        return any(isinstance(r, ResourceRef) and r.key == key for r in self.refs)
