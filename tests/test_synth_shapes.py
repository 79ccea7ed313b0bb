"""Assembly shapes (lookups, nested stacks, stages) and the contained environment."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from synth_support import BROKEN, FIXTURES, require_toolchain, synth_fixture

from harness.errors import ErrorClass
from harness.synth._process import network_namespace_available

pytestmark = pytest.mark.slow
SHAPES_APP = FIXTURES / "ts_shapes" / "bin" / "app.ts"


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    require_toolchain()
    return synth_fixture(FIXTURES / "ts_shapes", tmp_path_factory.mktemp("cache"))


def stack_named(result, name):
    (stack,) = [stack for stack in result.stacks if stack.name == name]
    return stack


def app_line(text: str) -> int:
    lines = SHAPES_APP.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_shapes_stack_names(shapes):
    assert shapes.error is None, shapes.error
    names = sorted(stack.name for stack in shapes.stacks)
    assert names[:3] == ["Far", "Parent", "Parent/Inner"]
    assert names[3].startswith("ProdStaged")


def test_lookup_zones_for_other_region(shapes):
    far = stack_named(shapes, "Far")
    zones = {
        resource["Properties"]["AvailabilityZone"]
        for resource in far.template["Resources"].values()
        if resource["Type"] == "AWS::EC2::Subnet"
    }
    assert zones == {"ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"}


def test_lookups_warned(shapes):
    lookups = [w for w in shapes.warnings if w.startswith("context lookup")]
    assert any(
        "region=ap-southeast-2" in w and "availability-zones" in w for w in lookups
    )
    assert any("vpc-provider" in w for w in lookups)


def test_deprecation_warned(shapes):
    assert any("VpcProps#cidr is deprecated" in w for w in shapes.warnings)


def test_nested_stack_read(shapes):
    inner = stack_named(shapes, "Parent/Inner")
    assert inner.template_file.endswith(".nested.template.json")
    assert inner.construct_paths["InnerVpc"] == "Parent/Inner/InnerVpc"
    assert inner.sites["InnerVpc"].line == app_line("'InnerVpc'")
    parent = stack_named(shapes, "Parent")
    assert "InnerVpc" not in parent.construct_paths


def test_stage_stack_read(shapes):
    (staged,) = [s for s in shapes.stacks if s.name.startswith("ProdStaged")]
    assert staged.template_file.startswith("assembly-Prod/")
    assert staged.sites["StagedVpc"].line == app_line("'StagedVpc'")
    assert any(
        "environment-agnostic" in w and staged.name in w for w in shapes.warnings
    )


def test_annotation_error_fails(tmp_path):
    require_toolchain()
    result = synth_fixture(BROKEN / "ts_annotation_error", tmp_path)
    assert result.error is not None
    assert result.error.error_class is ErrorClass.APP_EXCEPTION
    assert "does not fit the VPC" in result.error.message
    assert [stack.name for stack in result.stacks] == ["Network"]


@pytest.fixture
def loopback_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server.getsockname()[1]
    server.close()


def probe_outputs(tmp_path: Path, port: int, **overrides) -> dict[str, str]:
    require_toolchain()
    result = synth_fixture(
        FIXTURES / "py_probe",
        tmp_path,
        use_cache=False,
        extra_env={"PROBE_PORT": str(port)},
        **overrides,
    )
    assert result.error is None, result.error
    outputs = result.stacks[0].template["Outputs"]
    return {key: value["Value"] for key, value in outputs.items()}


def test_network_isolated(tmp_path, loopback_port):
    if not network_namespace_available():
        pytest.skip("unshare -n is not permitted on this machine")
    outputs = probe_outputs(tmp_path, loopback_port)
    assert outputs["Loopback"].startswith("unreachable")


def test_isolation_none_keeps_network(tmp_path, loopback_port):
    outputs = probe_outputs(tmp_path, loopback_port, isolation="none")
    assert outputs["Loopback"] == "reachable"


def test_environment_scrubbed(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "sentinel-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "sentinel-token")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    outputs = probe_outputs(tmp_path, 0)
    names = set(outputs["EnvNames"].split(","))
    assert "AWS_SECRET_ACCESS_KEY" not in names
    assert "GITHUB_TOKEN" not in names
    assert "HTTPS_PROXY" not in names
    assert {"CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "PROBE_PORT"} <= names
    assert outputs["Home"] != os.path.expanduser("~")
    assert json.dumps(outputs).count("sentinel") == 0


def test_lookup_rounds_limited(tmp_path):
    require_toolchain()
    result = synth_fixture(FIXTURES / "ts_shapes", tmp_path, max_lookup_rounds=1)
    assert result.error is None, result.error
    missing = [w for w in result.warnings if "still missing after 1 run(s)" in w]
    assert len(missing) == 1
    assert "region=ap-southeast-2" in missing[0]
    assert "dummy1a" in json.dumps(stack_named(result, "Far").template)


def test_js_entry_with_asset(tmp_path):
    require_toolchain()
    result = synth_fixture(FIXTURES / "js_asset", tmp_path)
    assert result.error is None, result.error
    assert result.entry == "bin/app.js"
    functions = [
        logical_id
        for logical_id, resource in result.stacks[0].template["Resources"].items()
        if resource["Type"] == "AWS::Lambda::Function"
    ]
    assert len(functions) == 1
    assert result.stacks[0].sites[functions[0]].file == "lib/fn-stack.ts"
    assert any('"type": "module"' in w for w in result.warnings)
    assert any("requests aws-cdk-lib 2.100.0" in w for w in result.warnings)


def test_large_context_reaches_app(tmp_path):
    require_toolchain()
    filler = {f"filler{i}": "x" * 1000 for i in range(200)}
    result = synth_fixture(
        FIXTURES / "ts_markdown_vpc.md",
        tmp_path,
        extra_context={**filler, "environmentSuffix": "big"},
    )
    assert result.error is None, result.error
    assert [stack.name for stack in result.stacks] == ["TapStackbig"]


def test_python_entry_in_subdirectory(tmp_path):
    require_toolchain()
    result = synth_fixture(FIXTURES / "py_subdir", tmp_path)
    assert result.error is None, result.error
    assert result.entry == "src/main.py"
    stack = result.stacks[0]
    (bucket,) = [
        logical_id
        for logical_id, resource in stack.template["Resources"].items()
        if resource["Type"] == "AWS::S3::Bucket"
    ]
    assert stack.sites[bucket].file == "src/stacks/storage.py"
    assert stack.sites[bucket].line == 8


def _processes_with(marker: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in text:
            found.append(text)
    return found


def test_timeout_kills_process_group(tmp_path):
    require_toolchain()
    result = synth_fixture(BROKEN / "py_timeout", tmp_path, timeout=4)
    assert result.error is not None
    assert result.error.error_class is ErrorClass.TIMEOUT
    assert _processes_with("sleep 31337") == []


def test_python_relative_asset_path(tmp_path):
    require_toolchain()
    result = synth_fixture(FIXTURES / "py_relative_asset", tmp_path, use_cache=False)
    assert result.error is None, result.error
    types = [r["Type"] for r in result.stacks[0].template["Resources"].values()]
    assert "AWS::Lambda::Function" in types
