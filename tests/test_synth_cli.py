"""`iac-harness synth`: templates and synth.json on disk, exit codes."""

from __future__ import annotations

import json

import pytest
from synth_support import BROKEN, FIXTURES, require_toolchain
from typer.testing import CliRunner

from harness.cli import _register_commands, app

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    require_toolchain()
    _register_commands()
    return app


def test_synth_writes_templates(cli, tmp_path):
    out = tmp_path / "out"
    args = ["synth", str(FIXTURES / "ts_markdown_vpc.md"), "-o", str(out), "--no-cache"]
    result = runner.invoke(
        cli, [*args, "--region", "eu-central-1", "-c", "environmentSuffix=qa"]
    )
    assert result.exit_code == 0, result.output
    template = json.loads((out / "TapStackqa.template.json").read_text())
    assert "AWS::EC2::VPC" in {r["Type"] for r in template["Resources"].values()}
    saved = json.loads((out / "synth.json").read_text())
    assert saved["error"] is None
    assert saved["context"]["environmentSuffix"] == "qa"


def test_synth_failure_exit_code(cli, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        cli, ["synth", str(BROKEN / "py_syntax"), "-o", str(out), "--no-cache"]
    )
    assert result.exit_code == 1
    saved = json.loads((out / "synth.json").read_text())
    assert saved["error"]["error_class"] == "syntax_error"


def test_synth_rejects_bad_context(cli, tmp_path):
    result = runner.invoke(
        cli, ["synth", str(BROKEN / "py_syntax"), "-o", str(tmp_path), "-c", "novalue"]
    )
    assert result.exit_code != 0
    assert "KEY=VALUE" in str(result.exception) + result.output


def test_synth_prints_bracketed_text(cli, tmp_path):
    fixture = str(BROKEN / "ts_annotation_error")
    result = runner.invoke(cli, ["synth", fixture, "-o", str(tmp_path), "--no-cache"])
    assert result.exit_code == 1
    assert "[error at /Network]" in result.output.replace("\n", " ")
