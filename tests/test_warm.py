"""Warm workers give the cold path's results and survive what apps do to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synth_support import BROKEN, FIXTURES, require_toolchain
from warm_support import project, templates

from harness.errors import ErrorClass
from harness.ingest import ingest
from harness.synth import SynthSettings, synthesize
from harness.synth.warm import WarmPool

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# Responses compared warm against cold: working apps of every shape, then
# broken ones of each error class a worker can produce.
SAME_AS_COLD = [
    (REPO / "responses" / "ideal", {}),
    (REPO / "tests" / "fixtures" / "typescript" / "ideal.md", {}),
    (FIXTURES / "py_vpc", {}),
    (FIXTURES / "ts_markdown_vpc.md", {"region": "eu-west-3"}),
    (FIXTURES / "ts_shapes", {}),
    (FIXTURES / "js_asset", {}),
    (FIXTURES / "py_relative_asset", {}),
    (FIXTURES / "py_subdir", {}),
    (BROKEN / "ts_syntax", {}),
    (BROKEN / "py_syntax", {}),
    (BROKEN / "ts_missing_file", {}),
    (BROKEN / "py_missing_package", {}),
    (BROKEN / "ts_exception", {}),
    (BROKEN / "py_exception", {}),
    (BROKEN / "ts_no_stacks", {}),
    (BROKEN / "py_no_synth", {}),
    (BROKEN / "ts_annotation_error", {}),
    (BROKEN / "ts_output_limit", {"output_mb": 1}),
]

TS_STACK = """\
import * as cdk from 'aws-cdk-lib';
const app = new cdk.App();
const stack = new cdk.Stack(app, '{name}');
new cdk.CfnOutput(stack, 'Name', {{ value: '{name}' }});
"""


def ts_app(name: str, tail: str = "") -> object:
    """Return a one-stack TypeScript app named `name`, followed by `tail`."""
    return project(name, {"bin/app.ts": TS_STACK.format(name=name) + tail})


def py_app(name: str, tail: str = "") -> object:
    """Return a one-stack Python app named `name`, with `tail` before synth."""
    text = (
        "import os\nimport sys\n\nimport aws_cdk as cdk\n\n"
        "app = cdk.App()\n"
        f'stack = cdk.Stack(app, "{name}")\n'
        f'cdk.CfnOutput(stack, "Name", value="{name}")\n' + tail + "app.synth()\n"
    )
    return project(name, {"app.py": text})


def shape(result) -> dict:
    """Return what must match between a warm and a cold synthesis."""
    error = result.error
    return {
        "templates": [
            (stack.name, stack.template_file, json.dumps(stack.template, indent=1))
            for stack in result.stacks
        ],
        "paths": [stack.construct_paths for stack in result.stacks],
        "sites": [
            {k: (v.file, v.line) for k, v in stack.sites.items()}
            for stack in result.stacks
        ],
        "error": (error.error_class, error.file, error.line) if error else None,
        "warnings": result.warnings,
        "context": result.context,
    }


@pytest.fixture(scope="module")
def pool():
    require_toolchain()
    with WarmPool(size=1) as warm:
        yield warm


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("work")


def settings(work_dir: Path, **overrides) -> SynthSettings:
    return SynthSettings(use_cache=False, work_dir=work_dir, **overrides)


@pytest.mark.parametrize(
    ("path", "overrides"),
    SAME_AS_COLD,
    ids=[path.name for path, _ in SAME_AS_COLD],
)
def test_warm_matches_cold(path, overrides, pool, work_dir):
    response = ingest(path)
    cold = synthesize(response, settings(work_dir, isolation="strict", **overrides))
    warm = synthesize(response, settings(work_dir, **overrides))
    assert shape(warm) == shape(cold)
    if cold.error is not None:
        assert warm.error.message == cold.error.message


def test_warm_pool_reuses_worker(pool, work_dir):
    started = pool.stats["started"]
    for index in range(3):
        result = synthesize(ts_app(f"Reuse{index}"), settings(work_dir))
        assert result.error is None, result.error
    assert pool.stats["started"] - started <= 1


def test_timeout_then_fresh_worker(pool, work_dir):
    hang = synthesize(ingest(BROKEN / "ts_timeout"), settings(work_dir, timeout=3))
    assert hang.error is not None
    assert hang.error.error_class is ErrorClass.TIMEOUT
    after = synthesize(ts_app("AfterHang"), settings(work_dir))
    assert after.error is None, after.error
    assert [stack.name for stack in after.stacks] == ["AfterHang"]


@pytest.mark.parametrize(
    "app",
    [
        ts_app("KilledTs", "(process as any).reallyExit(9);\n"),
        py_app("KilledPy", "os._exit(9)\n"),
    ],
    ids=["typescript", "python"],
)
def test_worker_crash_classified(app, pool, work_dir):
    cold = synthesize(app, settings(work_dir, isolation="strict"))
    crashes = pool.stats["crashes"]
    warm = synthesize(app, settings(work_dir))
    assert cold.error is not None
    assert warm.error is not None
    assert warm.error.error_class is cold.error.error_class
    assert warm.error.message == cold.error.message
    assert pool.stats["crashes"] == crashes + 1
    after = synthesize(ts_app("AfterCrash"), settings(work_dir))
    assert after.error is None, after.error


@pytest.mark.parametrize(
    "app",
    [
        ts_app("ExitZero", "app.synth();\nprocess.exit(0);\n"),
        ts_app("ExitTwo", "process.exit(2);\n"),
        ts_app("ExitNoSynth", "process.exit(0);\n"),
        ts_app("ExitCode", "process.exitCode = 3;\n"),
        py_app("SysExitZero", "app.synth()\nsys.exit(0)\n"),
        py_app("SysExitThree", "sys.exit(3)\n"),
    ],
    ids=["ts-0", "ts-2", "ts-no-synth", "ts-exit-code", "py-0", "py-3"],
)
def test_exit_requests_match_cold(app, pool, work_dir):
    cold = synthesize(app, settings(work_dir, isolation="strict"))
    warm = synthesize(app, settings(work_dir))
    assert shape(warm) == shape(cold)
    after = synthesize(ts_app("AfterExit"), settings(work_dir))
    assert after.error is None, after.error


def test_failed_app_leaves_no_exit_synth(pool, work_dir):
    failing = ts_app("Partial", "throw new Error('after the stack');\n")
    failed = synthesize(failing, settings(work_dir))
    assert failed.error is not None
    assert failed.error.error_class is ErrorClass.APP_EXCEPTION
    after = synthesize(ts_app("Clean"), settings(work_dir))
    assert [stack.name for stack in after.stacks] == ["Clean"]


def test_many_apps_no_listener_warning(pool, work_dir):
    results = [
        synthesize(ts_app(f"Many{index}"), settings(work_dir)) for index in range(13)
    ]
    for result in results:
        assert result.error is None, result.error
        assert "MaxListenersExceededWarning" not in result.log_tail


def test_async_app_awaited(pool, work_dir):
    tail = (
        "setTimeout(() => {\n"
        "  new cdk.CfnOutput(stack, 'Late', { value: 'late' });\n"
        "}, 200);\n"
    )
    app = ts_app("Async", tail)
    cold = synthesize(app, settings(work_dir, isolation="strict"))
    warm = synthesize(app, settings(work_dir))
    assert templates(warm) == templates(cold)
    assert "Late" in warm.stacks[0].template["Outputs"]


def test_recycled_after_max_jobs(work_dir):
    require_toolchain()
    with WarmPool(max_jobs=2) as small:
        for index in range(3):
            result = synthesize(py_app(f"Recycle{index}"), settings(work_dir))
            assert result.error is None, result.error
        assert small.stats["recycled_jobs"] == 1
        assert small.stats["started"] == 2


def test_strict_isolation_starts_no_worker(work_dir):
    require_toolchain()
    with WarmPool() as unused:
        result = synthesize(ts_app("Strict"), settings(work_dir, isolation="strict"))
        assert result.error is None, result.error
        assert unused.stats["started"] == 0


def test_idle_workers_capped(work_dir):
    require_toolchain()
    with WarmPool(max_idle=1) as capped:
        first = synthesize(ts_app("CapTs"), settings(work_dir))
        second = synthesize(py_app("CapPy"), settings(work_dir))
        assert first.error is None, first.error
        assert second.error is None, second.error
        assert capped.stats["evicted"] == 1


def test_unavailable_worker_falls_back_cold(work_dir, caplog):
    require_toolchain()
    with WarmPool(start_timeout=0.01) as failing:
        result = synthesize(ts_app("Fallback"), settings(work_dir))
        assert failing.stats["started"] == 0
    assert result.error is None, result.error
    assert [stack.name for stack in result.stacks] == ["Fallback"]
    assert any(
        "synthesizing" in r.message and "cold" in r.message for r in caplog.records
    )
