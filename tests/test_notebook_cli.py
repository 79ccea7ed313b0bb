"""`iac-harness notebook` as a user runs it: bad folders fail fast, runs stay quiet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.notebook_support import ensure_results

# Each test starts the CLI, and the last one a Jupyter kernel.
pytestmark = pytest.mark.slow


def _run_notebook(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from harness.cli import main; main()"]
    return subprocess.run(
        [*command, "notebook", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )


def test_folder_without_evaluations_exits_two(tmp_path: Path):
    (tmp_path / "evaluations").mkdir()

    completed = _run_notebook(str(tmp_path))

    assert completed.returncode == 2, completed.stderr
    assert "no evaluation documents in" in completed.stderr
    assert "iac-harness evaluate RESPONSE -o" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "failure_analysis.ipynb").exists()


def test_missing_folder_exits_two(tmp_path: Path):
    completed = _run_notebook(str(tmp_path / "absent"))

    assert completed.returncode == 2, completed.stderr
    assert "results directory not found" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_run_prints_no_kernel_noise(tmp_path: Path):
    results = ensure_results(None)
    output = tmp_path / "analysis.ipynb"

    completed = _run_notebook(str(results), "-o", str(output), "--html")

    assert completed.returncode == 0, completed.stderr
    assert output.is_file()
    assert output.with_suffix(".html").is_file()
    assert "without encryption" not in completed.stderr
    assert "Alternative text is missing" not in completed.stderr
    assert completed.stderr.strip() == ""
