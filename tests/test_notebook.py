"""The analysis notebook: executable on any results directory, and checked by nbval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from harness.errors import ConfigError
from harness.notebook import NOTEBOOK, execute_notebook
from harness.notebook_support import ensure_results

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundled_results() -> Path:
    return ensure_results(None)


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def test_notebook_command_writes_html(bundled_results, tmp_path):
    written = execute_notebook(bundled_results, tmp_path / "run.ipynb", html=True)
    assert [p.suffix for p in written] == [".ipynb", ".html"]
    nb = nbformat.read(written[0], as_version=4)
    text = _outputs_text(nb)
    assert "exact for 18 of 18 flaws" in text
    assert "2 evaluated responses" in text
    assert str(tmp_path) not in text
    images = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert len(images) == 3


def test_notebook_rejects_a_folder_without_results(tmp_path):
    with pytest.raises(ConfigError, match="no evaluation documents in"):
        execute_notebook(tmp_path, tmp_path / "out.ipynb")
    assert not (tmp_path / "out.ipynb").exists()


def _nbval(notebook: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            str(notebook),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=notebook.parent,
    )


def test_nbval_passes_on_stored_outputs(bundled_results, tmp_path):
    copy = tmp_path / "failure_analysis.ipynb"
    copy.write_text(NOTEBOOK.read_text())
    run = _nbval(copy)
    assert run.returncode == 0, run.stdout[-3000:]


def test_nbval_fails_on_an_edited_output(bundled_results, tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    edited = False
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "evaluated responses" in output.get("text", ""):
                output["text"] = output["text"].replace("2 evaluated", "3 evaluated")
                edited = True
    assert edited
    copy = tmp_path / "failure_analysis.ipynb"
    nbformat.write(nb, copy)
    run = _nbval(copy)
    assert run.returncode == 1
    assert "1 failed, 10 passed" in run.stdout
