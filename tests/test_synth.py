"""Synthesis of working responses: templates, zones, creation sites, cache."""

from __future__ import annotations

import json

import pytest
from synth_support import (
    FIXTURES,
    azs_of,
    require_toolchain,
    resources_of,
    synth_fixture,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("synth-cache")


@pytest.fixture(scope="session")
def python_vpc(cache_dir):
    require_toolchain()
    return synth_fixture(FIXTURES / "py_vpc", cache_dir)


@pytest.fixture(scope="session")
def ts_markdown(cache_dir):
    require_toolchain()
    return synth_fixture(FIXTURES / "ts_markdown_vpc.md", cache_dir, region="eu-west-3")


def test_python_vpc_synthesizes(python_vpc):
    assert python_vpc.error is None, python_vpc.error
    assert python_vpc.language == "python"
    assert python_vpc.entry == "app.py"
    assert [stack.name for stack in python_vpc.stacks] == ["NetworkStack"]
    assert len(resources_of(python_vpc, "AWS::EC2::VPC")) == 1


def test_python_vpc_has_three_zones(python_vpc):
    assert azs_of(python_vpc) == {"us-east-1a", "us-east-1b", "us-east-1c"}


def test_python_site_points_at_vpc_call(python_vpc):
    stack = python_vpc.stacks[0]
    (vpc_id,) = resources_of(python_vpc, "AWS::EC2::VPC")
    site = stack.sites[vpc_id]
    assert site.file == "network/network_stack.py"
    lines = (FIXTURES / "py_vpc" / site.file).read_text().splitlines()
    assert "ec2.Vpc(" in lines[site.line - 1]
    assert stack.construct_paths[vpc_id] == "NetworkStack/PaymentVpc/Resource"


def test_python_requirement_pin_warned(python_vpc):
    pins = [w for w in python_vpc.warnings if "requirements.txt requests" in w]
    assert pins, python_vpc.warnings


def test_lookup_answer_warned(python_vpc):
    lookups = [w for w in python_vpc.warnings if "availability-zones:account=" in w]
    assert len(lookups) == 1
    assert "us-east-1a" in lookups[0]


def test_typescript_markdown_synthesizes(ts_markdown):
    assert ts_markdown.error is None, ts_markdown.error
    assert ts_markdown.language == "typescript"
    assert ts_markdown.entry == "bin/tap.ts"
    assert [stack.name for stack in ts_markdown.stacks] == ["TapStacktest"]


def test_cdk_json_context_reaches_app(ts_markdown):
    assert ts_markdown.context["environmentSuffix"] == "test"


def test_typescript_three_zones_any_region(ts_markdown):
    assert azs_of(ts_markdown) == {"eu-west-3a", "eu-west-3b", "eu-west-3c"}
    assert len(resources_of(ts_markdown, "AWS::EC2::NatGateway")) == 3


def test_typescript_site_is_ts_line(ts_markdown):
    stack = ts_markdown.stacks[0]
    (vpc_id,) = resources_of(ts_markdown, "AWS::EC2::VPC")
    site = stack.sites[vpc_id]
    assert site.file == "lib/TapStack.ts"
    markdown = (FIXTURES / "ts_markdown_vpc.md").read_text()
    block = markdown.split("## File: lib/TapStack.ts", 1)[1].split(
        "```typescript\n", 1
    )[1]
    assert "new ec2.Vpc(" in block.splitlines()[site.line - 1]


def test_output_site_is_recorded(ts_markdown):
    stack = ts_markdown.stacks[0]
    assert stack.sites["VpcIdOutput"].file == "lib/TapStack.ts"
    assert stack.construct_paths["VpcIdOutput"] == "TapStacktest/VpcIdOutput"


def test_timings_cover_phases(ts_markdown):
    assert set(ts_markdown.timings) >= {"prepare", "bundle", "run", "read"}


def test_manifest_has_no_temporary_paths(ts_markdown):
    text = json.dumps(ts_markdown.to_dict())
    assert "iac-synth-" not in text


def test_environment_agnostic_gets_two_zones(cache_dir):
    require_toolchain()
    result = synth_fixture(FIXTURES / "ts_agnostic", cache_dir)
    assert result.error is None, result.error
    subnets = resources_of(result, "AWS::EC2::Subnet")
    assert len(subnets) == 4
    zones = {json.dumps(s["Properties"]["AvailabilityZone"]) for s in subnets.values()}
    assert all("Fn::GetAZs" in zone for zone in zones)
    assert any("environment-agnostic" in w for w in result.warnings)


def test_second_synthesis_is_cache_hit(tmp_path):
    require_toolchain()
    first = synth_fixture(FIXTURES / "ts_markdown_vpc.md", tmp_path)
    second = synth_fixture(FIXTURES / "ts_markdown_vpc.md", tmp_path)
    assert not first.cache_hit
    assert second.cache_hit
    assert json.dumps(first.stacks[0].template) == json.dumps(second.stacks[0].template)


def test_uncached_runs_byte_identical(tmp_path):
    require_toolchain()
    runs = [
        synth_fixture(FIXTURES / "ts_markdown_vpc.md", tmp_path, use_cache=False)
        for _ in range(2)
    ]
    assert not any(run.cache_hit for run in runs)
    texts = [json.dumps(run.stacks[0].template, sort_keys=False) for run in runs]
    assert texts[0] == texts[1]


def test_region_changes_cache_key(tmp_path):
    require_toolchain()
    first = synth_fixture(FIXTURES / "ts_markdown_vpc.md", tmp_path, region="us-west-2")
    second = synth_fixture(
        FIXTURES / "ts_markdown_vpc.md", tmp_path, region="ap-south-1"
    )
    assert not second.cache_hit
    assert azs_of(first) == {"us-west-2a", "us-west-2b", "us-west-2c"}
    assert azs_of(second) == {"ap-south-1a", "ap-south-1b", "ap-south-1c"}
