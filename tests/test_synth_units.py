"""Fast checks of the synthesis pieces that need no subprocess."""

from __future__ import annotations

import json

import pytest

from harness._project import Project, SourceFile
from harness._synth_result import SourceSite, SynthResult
from harness.errors import ConfigError, ErrorClass, ResponseError
from harness.synth import _cache, _context
from harness.synth._assembly import SiteLocator, _nested_construct_path, read_assembly
from harness.synth._classify import classify_compile, classify_py_failure
from harness.synth._entry import entry_from_command, find_entry
from harness.synth._settings import SynthSettings
from harness.synth._warnings import version_pin_warnings


def project_of(files: dict[str, str]) -> Project:
    return Project(
        "units",
        "directory",
        {path: SourceFile(path, text) for path, text in files.items()},
    )


APP_TS = "import * as cdk from 'aws-cdk-lib';\nconst app = new cdk.App();\n"
APP_PY = "import aws_cdk as cdk\napp = cdk.App()\napp.synth()\n"


@pytest.mark.parametrize(
    ("command", "script"),
    [
        ("npx ts-node --prefer-ts-exts bin/tap.ts", "bin/tap.ts"),
        ("npx tsx bin/x.ts", "bin/x.ts"),
        ("node bin/x.js", "bin/x.js"),
        ("python3 app.py", "app.py"),
        ("python tap.py", "tap.py"),
        ("pipenv run python app.py", "app.py"),
        ("npx ts-node ./bin/app.ts", "bin/app.ts"),
        ("cdk synth", None),
    ],
)
def test_entry_from_command(command, script):
    assert entry_from_command(command) == script


def test_cdk_json_entry_wins():
    project = project_of(
        {
            "cdk.json": json.dumps({"app": "npx ts-node --prefer-ts-exts bin/tap.ts"}),
            "bin/tap.ts": APP_TS,
            "bin/other.ts": APP_TS,
            "app.py": APP_PY,
        }
    )
    entry = find_entry(project)
    assert entry.path == "bin/tap.ts"
    assert entry.language == "typescript"


def test_js_command_uses_ts_twin():
    project = project_of(
        {"cdk.json": json.dumps({"app": "node bin/tap.js"}), "bin/tap.ts": APP_TS}
    )
    assert find_entry(project).path == "bin/tap.ts"


def test_missing_cdk_json_entry_falls_back():
    project = project_of(
        {"cdk.json": json.dumps({"app": "python3 main.py"}), "tap.py": APP_PY}
    )
    entry = find_entry(project)
    assert entry.path == "tap.py"
    assert any("main.py" in warning for warning in entry.warnings)


def test_bin_entry_without_cdk_json():
    project = project_of({"bin/network.ts": APP_TS, "lib/stack.ts": "export {};\n"})
    assert find_entry(project).path == "bin/network.ts"


def test_python_entry_names():
    assert find_entry(project_of({"main.py": APP_PY})).path == "main.py"


def test_single_file_creating_app():
    project = project_of({"src/deploy.py": APP_PY, "src/util.py": "X = 1\n"})
    entry = find_entry(project)
    assert entry.path == "src/deploy.py"
    assert entry.language == "python"


def test_no_entry_found():
    assert (
        find_entry(project_of({"README.md": "# notes\n", "lib/x.py": "X = 1\n"}))
        is None
    )


def test_context_merge_order():
    project = project_of(
        {
            "cdk.context.json": json.dumps({"a": "cached", "b": "cached"}),
            "cdk.json": json.dumps(
                {"app": "python3 app.py", "context": {"b": "config"}}
            ),
        }
    )
    context, warnings = _context.base_context(project, {"c": "extra"})
    assert context["a"] == "cached"
    assert context["b"] == "config"
    assert context["c"] == "extra"
    assert context["aws:cdk:bundling-stacks"] == []
    assert warnings == []


def test_unreadable_cdk_json_warned():
    context, warnings = _context.base_context(project_of({"cdk.json": "{oops"}), {})
    assert "aws:cdk:enable-path-metadata" in context
    assert warnings and "cdk.json" in warnings[0]


def test_missing_zones_use_region_names():
    missing = [
        {
            "key": "availability-zones:account=123456789012:region=sa-east-1",
            "provider": "availability-zones",
            "props": {"account": "123456789012", "region": "sa-east-1"},
        }
    ]
    answers, warnings = _context.answer_missing(missing)
    zones = answers["availability-zones:account=123456789012:region=sa-east-1"]
    assert zones == [f"sa-east-1{suffix}" for suffix in "abcdef"]
    assert len(warnings) == 1


def test_missing_lookup_uses_dummy_value():
    missing = [
        {
            "key": "ssm:x",
            "provider": "ssm",
            "props": {"dummyValue": "d", "region": "r"},
        },
        {
            "key": "ssm:y",
            "provider": "ssm",
            "props": {"parameterName": "/p", "region": "r"},
        },
        {
            "key": "hz",
            "provider": "hosted-zone",
            "props": {"domainName": "example.org"},
        },
    ]
    answers, _ = _context.answer_missing(missing)
    assert answers["ssm:x"] == "d"
    assert answers["ssm:y"] == "dummy-value-for-/p"
    assert answers["hz"]["Name"] == "example.org."


def test_site_locator_frames(tmp_path):
    locator = SiteLocator(tmp_path, {"lib/stack.ts", "app.py"})
    ts_frame = f"new Stack ({tmp_path}/lib/stack.ts:24:16)"
    py_frame = f"__init__ ({tmp_path}/app.py:11)"
    foreign = "...new Vpc2 in aws-cdk-lib..."
    assert locator.site_of(ts_frame) == SourceSite("lib/stack.ts", 24)
    assert locator.site_of(py_frame) == SourceSite("app.py", 11)
    assert locator.site_of(foreign) is None
    assert locator.site_of(f"x ({tmp_path}/lib/stack.js:3:1)") is None
    assert locator.locate([foreign, py_frame, ts_frame]) == SourceSite("app.py", 11)


def test_nested_stack_path():
    assert (
        _nested_construct_path("Top/Net.NestedStack/Net.NestedStackResource")
        == "Top/Net"
    )
    assert _nested_construct_path("Top/Vpc/Resource") == ""


def test_compile_error_classes():
    unresolved = [
        {"text": 'Could not resolve "../lib/x"', "file": "bin/a.ts", "line": 2}
    ]
    syntax = [{"text": 'Expected ")"', "file": "lib/a.ts", "line": 5}]
    assert (
        classify_compile(unresolved, {"bin/a.ts"}).error_class
        is ErrorClass.MISSING_MODULE
    )
    error = classify_compile(syntax, {"lib/a.ts"})
    assert error.error_class is ErrorClass.SYNTAX_ERROR
    assert (error.file, error.line) == ("lib/a.ts", 5)


def test_python_failure_innermost_frame():
    report = {
        "ok": False,
        "error": {
            "type": "ValueError",
            "message": "bad cidr\nmore",
            "frames": [
                ["/p/app.py", 3, "<module>"],
                ["/p/lib/s.py", 9, "f"],
                ["/x.py", 1, "g"],
            ],
        },
    }
    relative = {"/p/app.py": "app.py", "/p/lib/s.py": "lib/s.py"}.get
    error = classify_py_failure(report, relative, "")
    assert error.error_class is ErrorClass.APP_EXCEPTION
    assert (error.file, error.line) == ("lib/s.py", 9)
    assert error.message == "ValueError: bad cidr"


def test_version_pin_warnings():
    project = project_of(
        {
            "package.json": json.dumps({"dependencies": {"aws-cdk-lib": "^2.275.0"}}),
            "other/package.json": json.dumps(
                {"dependencies": {"@aws-cdk/core": "1.0.0"}}
            ),
        }
    )
    warnings = version_pin_warnings(project, "2.275.0")
    assert len(warnings) == 1
    assert "CDK v1" in warnings[0]


def test_cache_round_trip(tmp_path):
    result = SynthResult(language="python", entry="app.py", warnings=["w"])
    result.error = ResponseError(ErrorClass.SYNTAX_ERROR, "bad", "app.py", 3)
    key = _cache.cache_key("abc", {"node": "20"}, {"region": "us-east-1"})
    assert _cache.load(key, tmp_path) is None
    _cache.store(key, result, tmp_path)
    loaded = _cache.load(key, tmp_path)
    assert loaded.cache_hit
    assert loaded.error == result.error
    assert list(tmp_path.rglob(".tmp-*")) == []


def test_cache_key_depends_on_settings():
    first = _cache.cache_key("abc", {}, SynthSettings().output_key())
    second = _cache.cache_key("abc", {}, SynthSettings(region="eu-west-1").output_key())
    third = _cache.cache_key(
        "abc", {}, SynthSettings(extra_env={"A": "1"}).output_key()
    )
    assert len({first, second, third}) == 3


def test_cache_skips_harness_errors():
    timeout = SynthResult(None, None, error=ResponseError(ErrorClass.TIMEOUT, "slow"))
    model = SynthResult(None, None, error=ResponseError(ErrorClass.SYNTAX_ERROR, "bad"))
    assert not _cache.cacheable(timeout)
    assert _cache.cacheable(model)


@pytest.mark.parametrize(
    "overrides",
    [
        {"isolation": "full"},
        {"account": "12"},
        {"timeout": 0},
        {"memory_mb": 10},
        {"extra_env": {"A": 1}},
    ],
)
def test_settings_reject_invalid(overrides):
    with pytest.raises(ConfigError):
        SynthSettings(**overrides)


def test_assembly_rejects_outside_paths(tmp_path):
    outdir = tmp_path / "cdk.out"
    outdir.mkdir()
    (tmp_path / "secret.json").write_text("{}")
    artifact = {
        "type": "aws:cloudformation:stack",
        "properties": {"templateFile": "../secret.json"},
    }
    (outdir / "manifest.json").write_text(json.dumps({"artifacts": {"S": artifact}}))
    with pytest.raises(ValueError, match="outside cdk.out"):
        read_assembly(outdir, tmp_path, set())


def test_assembly_absent_manifest(tmp_path):
    assert read_assembly(tmp_path, tmp_path, set()) is None


def test_code_fingerprint_stable():
    first = _cache.code_fingerprint()
    _cache.code_fingerprint.cache_clear()
    assert _cache.code_fingerprint() == first
    assert len(first) == 64
