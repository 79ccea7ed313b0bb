"""`iac-harness batch` as a user runs it, with the toy pipeline in its workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent

pytestmark = pytest.mark.slow


def _markdown(directive: str) -> str:
    return f"## File: app.py\n\n```python\n# {directive}\n```\n"


def _cli(*arguments: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(TESTS_DIR), environment.get("PYTHONPATH")])
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from harness.cli import main; main()",
            "batch",
            *arguments,
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_cli_batch_writes_run_directory(tmp_path):
    responses = tmp_path / "responses"
    responses.mkdir()
    (responses / "one.md").write_text(_markdown("TOY:FAIL=1"))
    (responses / "two.md").write_text(_markdown("ok"))
    rows = [
        {"id": "row-1", "response": _markdown("ok"), "model": "m", "prompt_id": "p"}
    ]
    table = tmp_path / "rows.jsonl"
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    run_dir = tmp_path / "run"

    completed = _cli(
        str(responses),
        str(table),
        "--ideal",
        str(responses / "two.md"),
        "-o",
        str(run_dir),
        "--evaluator",
        "batch_support:toy_evaluate",
        "--no-progress",
    )

    assert completed.returncode == 0, completed.stderr
    assert "3 responses (3 evaluated, 0 reused)" in completed.stdout
    assert "Leaderboard" in completed.stdout
    for name in ("findings.csv", "findings.parquet", "scores.csv", "scores.parquet"):
        assert (run_dir / name).exists(), name
    for name in ("leaderboard.csv", "summary.md", "manifest.json", "index.jsonl"):
        assert (run_dir / name).exists(), name
    assert len(list((run_dir / "evaluations").glob("*.json"))) == 3


def test_cli_batch_harness_error_exit_status(tmp_path):
    (tmp_path / "broken.md").write_text(_markdown("TOY:RAISE"))
    completed = _cli(
        str(tmp_path / "broken.md"),
        "-o",
        str(tmp_path / "run"),
        "--evaluator",
        "batch_support:toy_evaluate",
        "--no-progress",
    )
    assert completed.returncode == 3
    assert "1 harness errors" in completed.stdout


def test_cli_batch_rejects_invalid_options(tmp_path):
    (tmp_path / "one.md").write_text(_markdown("ok"))
    completed = _cli(
        str(tmp_path / "one.md"), "-o", str(tmp_path / "run"), "--executor", "dask"
    )
    assert completed.returncode == 2
    assert "invalid --executor 'dask'; choose one of local, ray" in completed.stderr

    completed = _cli(str(tmp_path / "missing.md"), "-o", str(tmp_path / "run"))
    assert completed.returncode == 2
    assert "input not found" in completed.stderr

    completed = _cli(
        str(tmp_path / "one.md"), "-o", str(tmp_path / "run"), "--evaluator", "nomodule"
    )
    assert completed.returncode == 2
    assert "expected module:function" in completed.stderr
