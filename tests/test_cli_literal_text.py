"""The CLI prints response-derived text literally: no rich markup, no emoji codes.

Each response below puts `[/]`, `[bold]` and `:x:` in file names, code,
template values or error messages. Rich would raise MarkupError on `[/]`,
drop `[bold]` and turn `:x:` into an emoji if any of them reached the
console as markup.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import _register_commands, app

TESTS_DIR = Path(__file__).resolve().parent
MARKUP_LINE = "[/] root:x:0:0 [bold]loud"
EMOJI = "\u274c"

_register_commands()
runner = CliRunner()

RESPONSE = f"""# Response

```
{MARKUP_LINE}
```

```typescript title="lib/[bold]net[/].ts"
// {MARKUP_LINE}
export const partial = 1;
```
"""


def _assert_literal(output: str, *expected: str) -> None:
    """Assert that each text is in `output`, ignoring where rich wrapped lines."""
    flat = "".join(output.split())
    for text in expected:
        assert "".join(text.split()) in flat, output
    assert EMOJI not in output


def _run_cli(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from harness.cli import main; main()", *args]
    return subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **environment},
        timeout=300,
    )


def test_ingest_prints_markup_literally(tmp_path):
    response = tmp_path / "response.md"
    response.write_text(RESPONSE)
    output = tmp_path / "out"

    result = runner.invoke(app, ["ingest", str(response), "-o", str(output)])

    assert result.exception is None, result.output
    assert result.exit_code == 0, result.output
    assert (output / "lib" / "[bold]net[/].ts").is_file()
    _assert_literal(result.output, "lib/[bold]net[/].ts", MARKUP_LINE)


def _assembly(directory: Path, value: str) -> Path:
    directory.mkdir()
    template = {
        "Resources": {
            "Parameter": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Type": "String", "Value": value},
            }
        }
    }
    (directory / "Stack.template.json").write_text(json.dumps(template))
    manifest = {
        "artifacts": {
            "Stack": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Stack.template.json"},
            }
        }
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def test_diff_prints_values_literally(tmp_path):
    ideal = _assembly(tmp_path / "ideal", "plain")
    model = _assembly(tmp_path / "model", MARKUP_LINE)

    result = runner.invoke(app, ["diff", str(model), "--ideal", str(ideal)])

    assert result.exit_code == 1, result.output
    _assert_literal(result.output, json.dumps(MARKUP_LINE))


def test_diff_prints_error_literally(tmp_path):
    missing = tmp_path / "[/]missing:x:[bold]"

    result = runner.invoke(app, ["diff", str(missing), "--ideal", str(missing)])

    assert result.exit_code == 2, result.output
    _assert_literal(result.output, "response not found", "[/]missing:x:[bold]")


@pytest.mark.slow
def test_synth_prints_error_literally(tmp_path):
    project = tmp_path / "app"
    project.mkdir()
    (project / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}))
    (project / "app.py").write_text(
        f"import aws_cdk as cdk\n\napp = cdk.App()\nraise ValueError({MARKUP_LINE!r})\n"
    )

    result = runner.invoke(
        app, ["synth", str(project), "-o", str(tmp_path / "out"), "--no-cache"]
    )

    assert result.exit_code == 1, result.output
    _assert_literal(result.output, "app_exception", MARKUP_LINE)


@pytest.mark.slow
def test_batch_prints_model_literally(tmp_path):
    row = {
        "id": "row-1",
        "response": "## File: app.py\n\n```python\n# ok\n```\n",
        "model": MARKUP_LINE,
    }
    table = tmp_path / "rows.jsonl"
    table.write_text(json.dumps(row) + "\n")
    run_dir = tmp_path / "[bold]run:x:"

    completed = _run_cli(
        "batch",
        str(table),
        "-o",
        str(run_dir),
        "--evaluator",
        "batch_support:toy_evaluate",
        "--no-progress",
        PYTHONPATH=os.pathsep.join(filter(None, [str(TESTS_DIR), sys.path[0]])),
    )

    assert completed.returncode == 0, completed.stderr
    _assert_literal(completed.stdout, MARKUP_LINE, "[bold]run:x:")


@pytest.mark.slow
def test_error_message_printed_literally(tmp_path):
    missing = tmp_path / "[/]missing:x:[bold]"

    completed = _run_cli("ingest", str(missing), "-o", str(tmp_path / "out"))

    assert completed.returncode == 2, completed.stderr
    _assert_literal(completed.stderr, "[/]missing:x:[bold]")
