"""Helpers shared by the synthesis tests: fixture paths and a session-wide runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness._synth_result import SynthResult
from harness.errors import ToolchainError
from harness.ingest import ingest
from harness.synth import SynthSettings, find_toolchain, synthesize

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "synth"
BROKEN = FIXTURES / "broken"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def require_toolchain() -> None:
    """Fail with the fix when the Node toolchain is not installed."""
    try:
        find_toolchain()
    except ToolchainError as exc:
        pytest.fail(f"synthesis tests need the toolchain: {exc}")


def synth_fixture(path: Path, cache_dir: Path, **overrides) -> SynthResult:
    """Synthesize the response at `path` without touching the user's cache."""
    settings = SynthSettings(cache_dir=cache_dir, **overrides)
    return synthesize(ingest(path), settings)


def azs_of(result: SynthResult) -> set[str]:
    """Return the literal availability zones of every subnet in the result."""
    zones = set()
    for stack in result.stacks:
        for resource in stack.template.get("Resources", {}).values():
            if resource.get("Type") == "AWS::EC2::Subnet":
                zones.add(str(resource["Properties"].get("AvailabilityZone")))
    return zones


def resources_of(result: SynthResult, resource_type: str) -> dict[str, dict]:
    """Return the resources of one type across all stacks, by logical ID."""
    found = {}
    for stack in result.stacks:
        for logical_id, resource in stack.template.get("Resources", {}).items():
            if resource.get("Type") == resource_type:
                found[logical_id] = resource
    return found
