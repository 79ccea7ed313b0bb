"""`iac-harness ingest RESPONSE -o DIR` run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ingest_support import FIXTURES

# Each test starts the CLI, which imports every command module (about 3 s).
pytestmark = pytest.mark.slow


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from harness.cli import main; main()", *args]
    environment = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


def test_cli_writes_files_and_manifest(tmp_path: Path):
    output = tmp_path / "out"
    result = run_cli("ingest", str(FIXTURES / "hash_headings.md"), "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert (output / "bin" / "app.ts").read_text().startswith("import { App }")
    manifest = json.loads((output / "ingest.json").read_text())
    assert sorted(manifest["files"]) == [
        "bin/app.ts",
        "lib/network-stack.ts",
        "test/network-stack.test.ts",
    ]
    assert manifest["files"]["bin/app.ts"]["markdown_lines"] == [15, 18]
    assert "lib/network-stack.ts" in result.stdout
    assert "15-18" in result.stdout


def test_cli_lists_skipped_blocks(tmp_path: Path):
    output = tmp_path / "out"
    result = run_cli("ingest", str(FIXTURES / "not_files.md"), "-o", str(output))
    assert result.returncode == 1, result.stderr
    assert "a directory tree, not a file" in result.stdout
    assert "7 blocks skipped" in result.stdout


def test_cli_rejects_unsafe_response(tmp_path: Path):
    response = tmp_path / "evil.md"
    response.write_text("### ../../etc/evil.sh\n```sh\necho\n```\n")
    output = tmp_path / "out"
    result = run_cli("ingest", str(response), "-o", str(output))
    assert result.returncode == 2
    assert "../../etc/evil.sh" in result.stderr
    assert not output.exists()


def test_cli_refuses_non_empty_output(tmp_path: Path):
    output = tmp_path / "out"
    output.mkdir()
    (output / "keep.txt").write_text("mine\n")
    result = run_cli("ingest", str(FIXTURES / "bold_names.md"), "-o", str(output))
    assert result.returncode == 2
    assert "not empty" in result.stderr
    forced = run_cli(
        "ingest", str(FIXTURES / "bold_names.md"), "-o", str(output), "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert (output / "keep.txt").read_text() == "mine\n"
    assert (output / "package.json").exists()
