"""A CDK project directory as a response: text files only, no escaping links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import ConfigError, UnsafePathError
from harness.ingest import ingest


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    root = tmp_path / "payment-vpc"
    (root / "bin").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "bin" / "tap.ts").write_text("import * as cdk from 'aws-cdk-lib';\n")
    (root / "lib" / "tap-stack.ts").write_text("export class TapStack {}\n")
    (root / "cdk.json").write_text('{"app": "npx ts-node bin/tap.ts"}\n')
    for skipped in ("node_modules/aws-cdk-lib", "cdk.out", ".git", "lib/__pycache__"):
        (root / skipped).mkdir(parents=True)
        (root / skipped / "file.txt").write_text("ignored\n")
    (root / ".venv").mkdir()
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    return root


def test_directory_reads_text_files(project_dir: Path):
    project = ingest(project_dir)
    assert project.kind == "directory"
    assert project.name == "payment-vpc"
    assert sorted(project.files) == ["bin/tap.ts", "cdk.json", "lib/tap-stack.ts"]
    assert project.files["lib/tap-stack.ts"].origin_lines == ()
    assert project.files["lib/tap-stack.ts"].language == "typescript"
    assert project.files["cdk.json"].text == '{"app": "npx ts-node bin/tap.ts"}\n'


def test_directory_skips_binary_and_large(project_dir: Path):
    (project_dir / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (project_dir / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (project_dir / "big.json").write_text("x" * (1024 * 1024 + 1))
    project = ingest(project_dir)
    assert "logo.png" not in project.files
    assert "big.json" not in project.files
    reasons = sorted(block.reason for block in project.skipped)
    assert reasons == [
        "big.json is 1048577 bytes, over the 1 MiB limit",
        "latin1.txt is a binary file",
        "logo.png is a binary file",
    ]


def test_directory_link_inside_is_read(project_dir: Path):
    os.symlink("tap-stack.ts", project_dir / "lib" / "alias.ts")
    project = ingest(project_dir)
    assert project.files["lib/alias.ts"].text == "export class TapStack {}\n"


def test_directory_link_outside_rejected(project_dir: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token\n")
    os.symlink(secret, project_dir / "lib" / "leak.ts")
    with pytest.raises(UnsafePathError, match="lib/leak.ts"):
        ingest(project_dir)


def test_directory_dir_link_outside_rejected(project_dir: Path, tmp_path: Path):
    os.symlink(tmp_path, project_dir / "escape")
    with pytest.raises(UnsafePathError, match="escape"):
        ingest(project_dir)


def test_directory_dir_link_inside_not_followed(project_dir: Path):
    os.symlink("lib", project_dir / "lib2")
    project = ingest(project_dir)
    assert not any(path.startswith("lib2/") for path in project.files)
    assert any("lib2" in warning for warning in project.warnings)


def test_directory_fifo_rejected(project_dir: Path):
    os.mkfifo(project_dir / "pipe")
    with pytest.raises(UnsafePathError, match="pipe"):
        ingest(project_dir)


def test_directory_broken_link_skipped(project_dir: Path):
    os.symlink("missing.ts", project_dir / "lib" / "broken.ts")
    project = ingest(project_dir)
    assert "lib/broken.ts" not in project.files
    assert any("broken" in warning for warning in project.warnings)


def test_empty_directory_warns(tmp_path: Path):
    project = ingest(tmp_path)
    assert project.files == {}
    assert project.warnings


def test_missing_response(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        ingest(tmp_path / "absent.md")


def test_default_name_of_generic_file(tmp_path: Path):
    folder = tmp_path / "Pr42"
    folder.mkdir()
    (folder / "MODEL_RESPONSE.md").write_text("### app.py\n```python\nx = 1\n```\n")
    assert ingest(folder / "MODEL_RESPONSE.md").name == "Pr42/MODEL_RESPONSE"
    assert ingest(folder / "MODEL_RESPONSE.md", name="given").name == "given"


def test_directory_skips_windows_unsafe_name(project_dir: Path):
    (project_dir / "notes:v1.txt").write_text("x\n")
    (project_dir / "con.ts").write_text("x\n")
    project = ingest(project_dir)
    assert "notes:v1.txt" not in project.files
    assert "con.ts" not in project.files
    reasons = " ".join(block.reason for block in project.skipped)
    assert "notes:v1.txt" in reasons
    assert "con.ts" in reasons


def test_folder_with_one_document_reads_it(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "MODEL_RESPONSE.md").write_text(
        "## File: app.py\n\n```python\nprint('app')\n```\n"
    )
    project = ingest(folder)
    assert project.kind == "markdown"
    assert project.name == "model"
    assert project.files["app.py"].origin_lines == (4,)
