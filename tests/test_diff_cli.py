"""`iac-harness diff` on bad input; tests/test_diff.py runs it on real templates."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from harness.cli import _register_commands, app

_register_commands()


def _invoke(*args: str):
    return CliRunner().invoke(app, ["diff", *args], catch_exceptions=False)


def test_cli_missing_response_exits_two(tmp_path):
    missing = tmp_path / "absent"
    result = _invoke(str(missing), "--ideal", str(missing))
    assert result.exit_code == 2
    assert "response not found" in result.output


def test_cli_rejects_unknown_task(tmp_path):
    result = CliRunner().invoke(
        app, ["diff", str(tmp_path), "--ideal", str(tmp_path), "--task", "no-such-task"]
    )
    assert result.exit_code != 0
    assert "no attribution table" in str(result.exception)


def test_cli_rejects_assembly_without_stacks(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    result = CliRunner().invoke(app, ["diff", str(tmp_path), "--ideal", str(tmp_path)])
    assert result.exit_code != 0
    assert "lists no CloudFormation stack" in str(result.exception)
