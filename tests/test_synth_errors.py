"""Each error class a synthesis can end in, from a small broken fixture."""

from __future__ import annotations

import pytest
from synth_support import BROKEN, FIXTURES, require_toolchain, synth_fixture

from harness._project import Project
from harness.errors import ErrorClass
from harness.synth import SynthSettings, synthesize

pytestmark = pytest.mark.slow

# fixture directory, expected class, expected file, expected line, settings
CASES = [
    ("no_entry", ErrorClass.NO_ENTRY_POINT, None, None, {}),
    ("ts_syntax", ErrorClass.SYNTAX_ERROR, "lib/network.ts", 5, {}),
    ("py_syntax", ErrorClass.SYNTAX_ERROR, "app.py", 4, {}),
    ("ts_missing_package", ErrorClass.MISSING_MODULE, "bin/app.ts", 2, {}),
    ("ts_missing_file", ErrorClass.MISSING_MODULE, "bin/app.ts", 2, {}),
    ("py_missing_module", ErrorClass.MISSING_MODULE, "app.py", 2, {}),
    ("py_missing_package", ErrorClass.MISSING_MODULE, "app.py", 2, {}),
    ("ts_exception", ErrorClass.APP_EXCEPTION, "lib/network.ts", 7, {}),
    ("py_exception", ErrorClass.APP_EXCEPTION, "stacks.py", 7, {}),
    ("py_no_synth", ErrorClass.NO_STACKS, None, None, {}),
    ("ts_no_stacks", ErrorClass.NO_STACKS, None, None, {}),
    ("ts_timeout", ErrorClass.TIMEOUT, None, None, {"timeout": 3}),
    ("ts_oom", ErrorClass.OUT_OF_MEMORY, None, None, {"memory_mb": 256}),
    ("ts_buffer_oom", ErrorClass.OUT_OF_MEMORY, "bin/app.ts", 6, {"memory_mb": 512}),
    ("py_oom", ErrorClass.OUT_OF_MEMORY, "app.py", 6, {"memory_mb": 512}),
    ("ts_output_limit", ErrorClass.OUTPUT_LIMIT, "bin/app.ts", 5, {"output_mb": 1}),
    ("py_bad_assembly", ErrorClass.INVALID_TEMPLATE, None, None, {}),
]
MESSAGE_PARTS = {
    "ts_missing_package": "@aws-cdk/aws-ec2",
    "ts_missing_file": "../lib/network-stack",
    "py_missing_module": "core",
    "py_missing_package": "cdk_nag_rules_that_do_not_exist",
    "ts_exception": "not a valid VPC CIDR range",
    "py_exception": "KeyError",
    "ts_syntax": 'Expected ")"',
    "py_syntax": "never closed",
}


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("synth-errors-cache")


@pytest.mark.parametrize(
    ("name", "error_class", "file", "line", "overrides"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_error_class(name, error_class, file, line, overrides, cache_dir):
    require_toolchain()
    result = synth_fixture(BROKEN / name, cache_dir, **overrides)
    assert result.error is not None
    assert result.error.error_class is error_class, result.error
    assert result.error.file == file
    assert result.error.line == line
    assert result.stacks == [] or error_class is ErrorClass.APP_EXCEPTION
    if name in MESSAGE_PARTS:
        assert MESSAGE_PARTS[name] in result.error.message


def test_empty_project_unparseable(tmp_path):
    result = synthesize(
        Project("empty", "directory", {}), SynthSettings(cache_dir=tmp_path)
    )
    assert result.error is not None
    assert result.error.error_class is ErrorClass.UNPARSEABLE_RESPONSE


def test_missing_toolchain_harness_error(tmp_path, monkeypatch):
    monkeypatch.setenv("IAC_HARNESS_NODE_MODULES", str(tmp_path / "node_modules"))
    result = synth_fixture(FIXTURES / "ts_agnostic", tmp_path)
    assert result.error is not None
    assert result.error.error_class is ErrorClass.HARNESS_ERROR
    assert result.error.blame == "harness"
    assert "iac-harness setup" in result.error.message


def test_model_errors_are_cached(tmp_path):
    require_toolchain()
    synth_fixture(BROKEN / "py_syntax", tmp_path)
    again = synth_fixture(BROKEN / "py_syntax", tmp_path)
    assert again.cache_hit
    assert again.error.error_class is ErrorClass.SYNTAX_ERROR


def test_timeouts_are_not_cached(tmp_path):
    require_toolchain()
    synth_fixture(BROKEN / "ts_timeout", tmp_path, timeout=2)
    again = synth_fixture(BROKEN / "ts_timeout", tmp_path, timeout=2)
    assert not again.cache_hit
    assert again.error.error_class is ErrorClass.TIMEOUT
