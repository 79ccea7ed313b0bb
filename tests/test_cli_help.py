"""Command help at 80 columns: plain usage names, no flag types, readable wrapping."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli import _register_commands, app

_register_commands()
runner = CliRunner()

# Commands registered with harness.cli._help.HelpCommand, and their usage lines.
USAGE = {
    "ingest": "Usage: iac-harness ingest [OPTIONS] RESPONSE",
    "synth": "Usage: iac-harness synth [OPTIONS] RESPONSE",
    "diff": "Usage: iac-harness diff [OPTIONS] MODEL",
    "report": "Usage: iac-harness report [OPTIONS] RESULTS",
    "notebook": "Usage: iac-harness notebook [OPTIONS] RESULTS",
    "batch": "Usage: iac-harness batch [OPTIONS] INPUTS...",
    "doctor": "Usage: iac-harness doctor [OPTIONS]",
    "setup": "Usage: iac-harness setup [OPTIONS]",
}


def _help(command: str) -> str:
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", sorted(USAGE))
def test_help_usage_and_types(command: str):
    text = _help(command)
    assert text.splitlines()[0] == USAGE[command]
    assert "<bool>" not in text
    assert "<list[str]>" not in text
    assert "{" not in text.splitlines()[0]


@pytest.mark.parametrize("command", sorted(USAGE))
def test_help_fits_80_columns(command: str):
    for line in _help(command).splitlines():
        assert len(line) <= 80, line


def test_batch_help_descriptions_wide():
    lines = _help("batch").splitlines()
    options = lines[lines.index("Options:") + 1 :]
    # Click starts every description, and each wrapped line of it, 34 columns in.
    descriptions = [line[34:] for line in options if line[34:].strip()]
    words = sum(len(line.split()) for line in descriptions)
    assert words / len(descriptions) >= 4, "\n".join(options)
    assert len(lines) < 80


def test_flag_help_shows_both_names():
    text = _help("batch")
    assert "--resume / --no-resume" in text
    assert "--progress / --no-progress" in text
    assert "-j, --jobs N" in text
