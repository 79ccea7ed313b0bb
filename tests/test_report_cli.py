"""`iac-harness report`: results directories, evaluation files, and bad input."""

from __future__ import annotations

import json

import pytest
import report_support as support
from typer.testing import CliRunner

from harness.cli import _register_commands, app
from harness.errors import ConfigError
from harness.results import write_evaluation

TASK = "pci-payment-vpc"


@pytest.fixture(scope="module")
def runner():
    _register_commands()
    return CliRunner()


def _invoke(runner, *args):
    return runner.invoke(app, ["report", *map(str, args), "--task", TASK])


def _results(tmp_path, *evaluations):
    for evaluation in evaluations:
        write_evaluation(evaluation, tmp_path)
    return tmp_path


def test_cli_writes_three_files(runner, tmp_path):
    results = _results(tmp_path, support.model_evaluation(), support.ideal_evaluation())
    output = tmp_path / "out" / "analysis.md"
    result = _invoke(runner, results, "-o", output)
    assert result.exit_code == 0, result.output
    assert output.read_text().startswith("# Failure analysis: ")
    assert json.loads(output.with_suffix(".json").read_text())["ideal"]["id"] == "ideal"
    assert json.loads(output.with_suffix(".sarif").read_text())["version"] == "2.1.0"


def test_cli_single_evaluation_file(runner, tmp_path):
    results = _results(tmp_path, support.model_evaluation())
    output = tmp_path / "single.md"
    result = _invoke(runner, results / "evaluations" / "model.json", "-o", output)
    assert result.exit_code == 0, result.output
    assert "Ideal response fix" not in output.read_text()


def test_cli_ideal_option(runner, tmp_path):
    results = _results(tmp_path, support.model_evaluation(), support.ideal_evaluation())
    output = tmp_path / "with-ideal.md"
    model_file = results / "evaluations" / "model.json"
    ideal_file = results / "evaluations" / "ideal.json"
    result = _invoke(runner, model_file, "-o", output, "--ideal", ideal_file)
    assert result.exit_code == 0, result.output
    assert "Ideal response fix" in output.read_text()


def test_cli_only_ideal_nothing_to_fix(runner, tmp_path):
    results = _results(tmp_path, support.ideal_evaluation())
    output = tmp_path / "ideal.md"
    result = _invoke(runner, results, "-o", output)
    assert result.exit_code == 0, result.output
    assert "Nothing to fix" in output.read_text()


def test_cli_several_models_need_response(runner, tmp_path):
    second = support.model_evaluation()
    second.response.id = "second"
    results = _results(tmp_path, support.model_evaluation(), second)
    ambiguous = _invoke(runner, results, "-o", tmp_path / "x.md")
    assert isinstance(ambiguous.exception, ConfigError)
    assert "choose one with --response ID" in str(ambiguous.exception)
    result = _invoke(runner, results, "-o", tmp_path / "x.md", "--response", "second")
    assert result.exit_code == 0, result.output
    assert "response `second`" in (tmp_path / "x.md").read_text()


def test_cli_unknown_response(runner, tmp_path):
    results = _results(tmp_path, support.model_evaluation())
    result = _invoke(runner, results, "-o", tmp_path / "x.md", "--response", "nope")
    assert isinstance(result.exception, ConfigError)
    assert "response 'nope' not found" in str(result.exception)
    assert "known ids: model" in str(result.exception)


def test_cli_missing_results(runner, tmp_path):
    result = _invoke(runner, tmp_path / "absent", "-o", tmp_path / "x.md")
    assert isinstance(result.exception, ConfigError)
    assert "results not found" in str(result.exception)


def test_cli_empty_results(runner, tmp_path):
    result = _invoke(runner, tmp_path, "-o", tmp_path / "x.md")
    assert isinstance(result.exception, ConfigError)
    assert "no evaluations in" in str(result.exception)
    assert "iac-harness evaluate" in str(result.exception)


def test_cli_invalid_evaluation_file(runner, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"response": {}}')
    result = _invoke(runner, broken, "-o", tmp_path / "x.md")
    assert isinstance(result.exception, ConfigError)
    assert "invalid evaluation file" in str(result.exception)


def test_cli_output_must_be_markdown(runner, tmp_path):
    results = _results(tmp_path, support.model_evaluation())
    result = _invoke(runner, results, "-o", tmp_path / "x.txt")
    assert isinstance(result.exception, ConfigError)
    assert "ending in .md" in str(result.exception)
