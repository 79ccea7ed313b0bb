"""CDK context as the CDK CLI passes it, and offline answers to context lookups.

The CLI merges cdk.json's `context`, cdk.context.json and command-line values
and passes them in CDK_CONTEXT_JSON. When an app asks for an environment
lookup (availability zones, a VPC, an SSM parameter), CDK writes the request
to manifest.json `missing`, uses a dummy value, and the CLI performs the
lookup and runs the app again. The harness has no AWS access, so it answers
each lookup with a fixed value instead and reruns.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from harness._project import Project

log = logging.getLogger(__name__)

AZ_SUFFIXES = "abcdef"

# Context the CDK CLI (v2) sets on every run. Bundling is limited to no stack
# so that assets needing Docker or a download are skipped, and version
# reporting is off so that templates carry no AWS::CDK::Metadata resource.
CLI_DEFAULTS: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": False,
    "aws:cdk:bundling-stacks": [],
}


def base_context(
    project: Project, extra: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Return the context to pass and warnings about unreadable context files.

    Later sources win: CLI defaults, cdk.context.json, cdk.json `context`,
    then `extra` from the settings.
    """
    context: dict[str, Any] = dict(CLI_DEFAULTS)
    warnings: list[str] = []
    cached = _json_object(project, "cdk.context.json", warnings)
    context.update(cached)
    config = _json_object(project, "cdk.json", warnings)
    declared = config.get("context", {})
    if isinstance(declared, dict):
        context.update(declared)
    else:
        warnings.append("cdk.json `context` is not an object; ignored it")
    context.update(extra)
    return context, warnings


def _json_object(project: Project, path: str, warnings: list[str]) -> dict[str, Any]:
    source = project.files.get(path)
    if source is None:
        return {}
    try:
        value = json.loads(source.text)
    except json.JSONDecodeError as exc:
        warnings.append(f"{path} is not valid JSON ({exc}); ignored its context")
        return {}
    if not isinstance(value, dict):
        warnings.append(f"{path} is not a JSON object; ignored its context")
        return {}
    return value


def answer_missing(missing: list[dict[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """Return context values for manifest.json's `missing` lookups, and warnings."""
    answers: dict[str, Any] = {}
    warnings: list[str] = []
    for request in missing:
        key = request.get("key")
        provider = request.get("provider", "")
        props = request.get("props") or {}
        if not isinstance(key, str):
            continue
        value = _answer(provider, props)
        answers[key] = value
        warnings.append(
            f"context lookup {key} ({provider}) answered offline with "
            f"{json.dumps(value, sort_keys=True)[:200]}"
        )
    return answers, warnings


def seeded_lookups(account: str, region: str) -> dict[str, Any]:
    """Return the lookup values known before the first run: the default env's AZs.

    They equal the values the rerun loop would pass, and save that rerun.
    """
    key = f"availability-zones:account={account}:region={region}"
    return {key: availability_zones(region)}


def availability_zones(region: str, count: int = len(AZ_SUFFIXES)) -> list[str]:
    """Return the zone names the harness assumes for `region`: `<region>a`, `b`, ..."""
    return [f"{region}{suffix}" for suffix in AZ_SUFFIXES[:count]]


def _answer(provider: str, props: dict[str, Any]) -> Any:
    region = props.get("region") or "us-east-1"
    if provider in ("availability-zones", "endpoint-service-availability-zones"):
        return availability_zones(region)
    if "dummyValue" in props:
        return props["dummyValue"]
    if provider == "ssm":
        return f"dummy-value-for-{props.get('parameterName', 'parameter')}"
    if provider == "hosted-zone":
        name = props.get("domainName", "example.com")
        return {"Id": "/hostedzone/DUMMY", "Name": f"{name.rstrip('.')}."}
    if provider == "ami":
        return "ami-1234"
    if provider == "vpc-provider":
        return _dummy_vpc(region)
    if provider == "security-group":
        return {"securityGroupId": "sg-12345678", "allowAllOutbound": True}
    log.info("no offline value for context provider %s; passing null", provider)
    return None


def _dummy_vpc(region: str) -> dict[str, Any]:
    zones = availability_zones(region, 2)
    return {
        "vpcId": "vpc-12345",
        "vpcCidrBlock": "10.0.0.0/16",
        "availabilityZones": zones,
        "subnetGroups": [
            {
                "name": "Public",
                "type": "Public",
                "subnets": [
                    {
                        "subnetId": f"s-1234{i}",
                        "cidr": f"10.0.{i}.0/24",
                        "availabilityZone": zone,
                        "routeTableId": f"rtb-1234{i}",
                    }
                    for i, zone in enumerate(zones)
                ],
            },
            {
                "name": "Private",
                "type": "Private",
                "subnets": [
                    {
                        "subnetId": f"p-1234{i}",
                        "cidr": f"10.0.{10 + i}.0/24",
                        "availabilityZone": zone,
                        "routeTableId": f"rtb-5678{i}",
                    }
                    for i, zone in enumerate(zones)
                ],
            },
        ],
    }
