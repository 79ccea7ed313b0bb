"""TemplateModel: the synthesized templates of one response, read as AWS would.

Every element is found by resource type, properties and references, never by
logical ID or name, so two responses that name their constructs differently
read the same.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from harness._synth_result import SourceSite, Stack, SynthResult
from harness.findings import Evidence
from harness.template import _build
from harness.template._elements import (
    FlowLog,
    IamRole,
    InternetGateway,
    LambdaFunction,
    LogGroup,
    NatGateway,
    Output,
    Resource,
    Route,
    Subnet,
    Vpc,
    VpcEndpoint,
)
from harness.template._nacl import Nacl
from harness.template._resolve import Resolver
from harness.template._values import AttrRef, Key, references, render

logger = logging.getLogger(__name__)

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"


class TemplateModel:
    """All stacks of one response, resolved, with typed views of its network.

    `region` and `account` stand in for `AWS::Region` and `AWS::AccountId` in
    stacks that `stack_envs` (stack name -> (account, region)) does not cover.
    `stack_tags` (stack name -> tags) are the stack-level tags that
    CloudFormation copies to every taggable resource of the stack.
    """

    def __init__(
        self,
        stacks: Iterable[Stack],
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
        stack_envs: Mapping[str, tuple[str, str]] | None = None,
        stack_tags: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.stacks: dict[str, Stack] = {stack.name: stack for stack in stacks}
        self.region = region
        self.account = account
        envs = {
            name: (stack_envs or {}).get(name, (account, region))
            for name in self.stacks
        }
        self.resolver = Resolver(
            {name: stack.template for name, stack in self.stacks.items()}, envs
        )
        self._stack_tags = {k: dict(v) for k, v in (stack_tags or {}).items()}
        self._resources = self._load_resources()

    @classmethod
    def from_synth(
        cls,
        synth: SynthResult,
        region: str = DEFAULT_REGION,
        account: str = DEFAULT_ACCOUNT,
    ) -> TemplateModel:
        """Build a model from a synthesis, taking each stack's env and tags from
        the cloud assembly manifest; `region` and `account` fill unknown envs."""
        envs: dict[str, tuple[str, str]] = {}
        tags: dict[str, dict[str, str]] = {}
        for stack in synth.stacks:
            artifact = _stack_artifact(synth.manifest, stack)
            env = _parse_environment(artifact.get("environment"))
            envs[stack.name] = (env[0] or account, env[1] or region)
            stack_tags = (artifact.get("properties") or {}).get("tags") or {}
            tags[stack.name] = {str(k): str(v) for k, v in stack_tags.items()}
        return cls(synth.stacks, region, account, envs, tags)

    def _load_resources(self) -> dict[Key, Resource]:
        resources: dict[Key, Resource] = {}
        for stack_name, stack in sorted(self.stacks.items()):
            section = stack.template.get("Resources") or {}
            for logical_id, body in sorted(section.items()):
                if not isinstance(body, dict):
                    logger.warning(
                        "resource %s in %s is not a mapping", logical_id, stack_name
                    )
                    continue
                condition = body.get("Condition")
                if (
                    condition
                    and self.resolver.condition(stack_name, condition) is False
                ):
                    continue
                properties = self.resolver.resolve(
                    stack_name, body.get("Properties") or {}
                )
                attributes = {
                    k: v for k, v in body.items() if k not in ("Properties", "Type")
                }
                resources[(stack_name, logical_id)] = Resource(
                    stack_name,
                    logical_id,
                    str(body.get("Type", "")),
                    properties if isinstance(properties, dict) else {},
                    attributes,
                )
        return resources

    # Generic access

    def resources(self, resource_type: str | None = None) -> list[Resource]:
        """Return resources of `resource_type` (all when None), sorted by key."""
        return [
            resource
            for resource in self._resources.values()
            if resource_type is None or resource.type == resource_type
        ]

    def resource(self, key: Key | None) -> Resource | None:
        return self._resources.get(key) if key is not None else None

    def type_of(self, key: Key | None) -> str | None:
        resource = self.resource(key)
        return resource.type if resource else None

    def resolve(self, stack: str, value: Any) -> Any:
        """Resolve a raw template value as it would be in `stack`."""
        return self.resolver.resolve(stack, value)

    def follow(self, value: Any) -> Any:
        """Return the property an attribute reference echoes, else `value`."""
        if isinstance(value, AttrRef):
            return self.resolver.echoed_property(value)
        return value

    def tags(self, key: Key) -> dict[str, str]:
        """Return a resource's tags (stack tags, then its own) as a dict."""
        resource = self.resource(key)
        tags = dict(self._stack_tags.get(key[0], {}))
        if resource is None:
            return tags
        raw = resource.properties.get("Tags")
        if isinstance(raw, list):
            for tag in raw:
                if isinstance(tag, dict) and "Key" in tag:
                    tags[render(tag["Key"])] = render(tag.get("Value", ""))
        elif isinstance(raw, dict):
            tags.update({str(name): render(value) for name, value in raw.items()})
        return tags

    # Network

    @cached_property
    def vpcs(self) -> list[Vpc]:
        return _build.vpcs(self)

    @cached_property
    def routes(self) -> list[Route]:
        return _build.routes(self)

    @cached_property
    def default_routes(self) -> dict[Key, Route]:
        """Return the IPv4 default route of each route table that has one."""
        return _build.default_routes(self)

    @cached_property
    def subnets(self) -> list[Subnet]:
        return _build.subnets(self)

    def subnets_of(self, *tiers: str) -> list[Subnet]:
        """Return the subnets whose tier is one of `tiers`."""
        return [subnet for subnet in self.subnets if subnet.tier in tiers]

    @property
    def public_subnets(self) -> list[Subnet]:
        return self.subnets_of("public")

    @property
    def private_subnets(self) -> list[Subnet]:
        """Return every subnet without an internet gateway route (private or isolated)."""
        return self.subnets_of("private", "isolated")

    def subnet(self, key: Key | None) -> Subnet | None:
        return next((s for s in self.subnets if s.key == key), None)

    @cached_property
    def nat_gateways(self) -> list[NatGateway]:
        return _build.nat_gateways(self)

    @cached_property
    def internet_gateways(self) -> list[InternetGateway]:
        return _build.internet_gateways(self)

    @cached_property
    def nacls(self) -> list[Nacl]:
        return _build.nacls(self)

    @cached_property
    def endpoints(self) -> list[VpcEndpoint]:
        return _build.endpoints(self)

    # Logging, compute, IAM

    @cached_property
    def log_groups(self) -> list[LogGroup]:
        return _build.log_groups(self)

    @cached_property
    def flow_logs(self) -> list[FlowLog]:
        return _build.flow_logs(self)

    @cached_property
    def iam_roles(self) -> list[IamRole]:
        return _build.iam_roles(self)

    def iam_role(self, key: Key | None) -> IamRole | None:
        return next((role for role in self.iam_roles if role.key == key), None)

    @cached_property
    def lambda_functions(self) -> list[LambdaFunction]:
        return [
            LambdaFunction(r.stack, r.logical_id, r.properties)
            for r in self.resources("AWS::Lambda::Function")
        ]

    # Outputs

    @cached_property
    def outputs(self) -> list[Output]:
        outputs: list[Output] = []
        for stack_name, stack in sorted(self.stacks.items()):
            for name, body in sorted((stack.template.get("Outputs") or {}).items()):
                if not isinstance(body, dict):
                    logger.warning("output %s in %s is not a mapping", name, stack_name)
                    continue
                condition = body.get("Condition")
                if (
                    condition
                    and self.resolver.condition(stack_name, condition) is False
                ):
                    continue
                value = self.resolve(stack_name, body.get("Value"))
                export = self.resolve(
                    stack_name, (body.get("Export") or {}).get("Name")
                )
                description = self.resolve(stack_name, body.get("Description"))
                refs = frozenset(references(value))
                outputs.append(
                    Output(stack_name, name, value, export, description, refs)
                )
        return outputs

    # Evidence

    def construct_path(self, stack: str, logical_id: str) -> str | None:
        found = self.stacks.get(stack)
        return found.construct_paths.get(logical_id) if found else None

    def site(self, stack: str, logical_id: str) -> SourceSite | None:
        found = self.stacks.get(stack)
        return found.sites.get(logical_id) if found else None

    def evidence(
        self, key: Key, note: str = "", property_path: str | None = None
    ) -> Evidence:
        """Return evidence naming template element `key` (a resource or an output)."""
        stack, logical_id = key
        site = self.site(stack, logical_id)
        resource = self.resource(key)
        outputs = self.stacks[stack].template.get("Outputs") or {}
        if resource is None and property_path is None and logical_id in outputs:
            property_path = f"Outputs.{logical_id}"
        return Evidence(
            logical_id=logical_id,
            stack=stack,
            construct_path=self.construct_path(stack, logical_id),
            resource_type=resource.type if resource else None,
            property_path=property_path,
            file=site.file if site else None,
            line=site.line if site else None,
            note=note,
        )


def _stack_artifact(manifest: dict, stack: Stack) -> dict:
    artifacts = manifest.get("artifacts") or {}
    if stack.name in artifacts:
        return artifacts[stack.name]
    for artifact in artifacts.values():
        properties = artifact.get("properties") or {}
        if stack.name == properties.get("stackName") or (
            stack.template_file
            and stack.template_file.endswith(str(properties.get("templateFile", "\0")))
        ):
            return artifact
    return {}


def _parse_environment(value: Any) -> tuple[str | None, str | None]:
    """Parse "aws://<account>/<region>", where "unknown-..." parts become None."""
    if not isinstance(value, str) or not value.startswith("aws://"):
        return None, None
    account, _, region = value[len("aws://") :].partition("/")
    return (
        None if account.startswith("unknown-") or not account else account,
        None if region.startswith("unknown-") or not region else region,
    )
