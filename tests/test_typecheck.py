"""The optional TypeScript type check: type errors as `type_error`, others pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from synth_support import require_toolchain
from warm_support import project, templates

from harness._project import SourceFile
from harness.errors import ErrorClass
from harness.ingest import ingest
from harness.synth import SynthSettings, synthesize
from harness.synth.warm import WarmPool

pytestmark = pytest.mark.slow

TS_IDEAL = Path(__file__).resolve().parent / "fixtures" / "typescript" / "ideal.md"
GOOD_LINE = "const VPC_CIDR = '10.0.0.0/16';"
BAD_LINE = "const VPC_CIDR: number = '10.0.0.0/16';"


@pytest.fixture(scope="module")
def pool():
    require_toolchain()
    with WarmPool() as warm:
        yield warm


@pytest.fixture(scope="module")
def work_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("work")


def settings(work_dir: Path, **overrides) -> SynthSettings:
    values = {"use_cache": False, "work_dir": work_dir, "typecheck": True}
    return SynthSettings(**{**values, **overrides})


def with_file(path: str, text: str):
    response = ingest(TS_IDEAL)
    response.files[path] = SourceFile(path, text)
    return response


def broken_ideal():
    response = ingest(TS_IDEAL)
    stack = response.files["lib/TapStack.ts"].text
    assert stack.count(GOOD_LINE) == 1
    response.files["lib/TapStack.ts"] = SourceFile(
        "lib/TapStack.ts", stack.replace(GOOD_LINE, BAD_LINE)
    )
    return response, stack.splitlines().index(GOOD_LINE) + 1


def test_ideal_passes_type_check(pool, work_dir):
    checked = synthesize(ingest(TS_IDEAL), settings(work_dir))
    unchecked = synthesize(
        ingest(TS_IDEAL), SynthSettings(use_cache=False, work_dir=work_dir)
    )
    assert checked.error is None, checked.error
    assert templates(checked) == templates(unchecked)


@pytest.mark.parametrize("isolation", ["standard", "strict"])
def test_type_error_reported(isolation, pool, work_dir):
    response, line = broken_ideal()
    result = synthesize(response, settings(work_dir, isolation=isolation))
    assert result.error is not None
    assert result.error.error_class is ErrorClass.TYPE_ERROR
    assert result.error.file == "lib/TapStack.ts"
    assert result.error.line == line
    assert "TS2322" in result.error.message
    assert result.stacks == []


def test_type_error_ignored_without_flag(pool, work_dir):
    response, _ = broken_ideal()
    result = synthesize(response, settings(work_dir, typecheck=False))
    assert result.error is None, result.error


def test_unreached_file_not_checked(pool, work_dir):
    response = with_file("test/broken.test.ts", "const x: number = 'text';\n")
    result = synthesize(response, settings(work_dir))
    assert result.error is None, result.error


def test_missing_types_package_ignored(pool, work_dir):
    config = (
        '{"compilerOptions": {"target": "ES2022", "module": "commonjs", '
        '"strict": true, "types": ["node", "jest"]}}\n'
    )
    result = synthesize(with_file("tsconfig.json", config), settings(work_dir))
    assert result.error is None, result.error


def test_python_app_unaffected(pool, work_dir):
    app = project(
        "py-typecheck",
        {
            "app.py": (
                "import aws_cdk as cdk\n\napp = cdk.App()\n"
                'cdk.Stack(app, "Plain")\napp.synth()\n'
            )
        },
    )
    result = synthesize(app, settings(work_dir))
    assert result.error is None, result.error


def test_warm_check_repeats_verdict(pool, work_dir):
    response, _ = broken_ideal()
    first = synthesize(response, settings(work_dir))
    second = synthesize(response, settings(work_dir))
    assert first.error.error_class is ErrorClass.TYPE_ERROR
    assert second.error.error_class is ErrorClass.TYPE_ERROR
    assert second.error.line == first.error.line


def test_cli_typecheck_flag(pool, tmp_path):
    from typer.testing import CliRunner

    from harness.cli import _register_commands, app

    _register_commands()
    response, _ = broken_ideal()
    response.write_to(tmp_path / "response")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "synth",
            str(tmp_path / "response"),
            "-o",
            str(tmp_path / "out"),
            "--typecheck",
            "--no-cache",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "type_error" in result.output
