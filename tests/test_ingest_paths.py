"""Unsafe file names in a response are rejected before anything is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness._project import Project, SourceFile
from harness.errors import UnsafePathError
from harness.ingest import ingest_text, safe_path, write_project


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("./lib/x.ts", "lib/x.ts"),
        ("lib//x.ts", "lib/x.ts"),
        ("lib/../x.ts", "x.ts"),
        ("bin/./app.ts", "bin/app.ts"),
        (".gitignore", ".gitignore"),
        ("lib\\x.ts", "lib/x.ts"),
    ],
)
def test_safe_path_normalizes(raw: str, expected: str):
    assert safe_path(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("/dev/null", "absolute"),
        ("../outside.ts", "leave the project"),
        ("lib/../../outside.ts", "leave the project"),
        ("..\\..\\windows.ts", "backslash"),
        ("\\\\server\\share\\x.ts", "absolute"),
        ("C:\\Users\\x.ts", "drive letter"),
        ("c:x.ts", "drive letter"),
        ("lib/x\0.ts", "NUL"),
        ("lib/x\n.ts", "control character"),
        ("CON", "device name"),
        ("lib/nul.txt", "device name"),
        ("lib/com1.ts", "device name"),
        (".git/config", ".git"),
        ("sub/.GIT/hooks/pre-commit", ".git"),
        ("~/.bashrc", "home directory"),
        ("lib/", "directory"),
        ("", "empty"),
        ("a" * 256 + ".ts", "255 bytes"),
        ("/".join(["abcdefghij"] * 100) + ".ts", "1024 bytes"),
        ("lib/x.ts:stream", "':'"),
    ],
)
def test_safe_path_rejects(raw: str, reason: str):
    with pytest.raises(UnsafePathError) as caught:
        safe_path(raw)
    message = str(caught.value)
    assert reason in message
    assert repr(raw[:200])[:20] in message


@pytest.mark.parametrize(
    "markdown",
    [
        "### /etc/cron.d/job.sh\n```sh\necho hi\n```\n",
        "## File: ../../escape.ts\n```ts\nexport {};\n```\n",
        "```ts\n// ../../escape.ts\nexport {};\n```\n",
        "```python\n# /tmp/owned.py\nx = 1\n```\n",
        '```ts title="/root/x.ts"\nexport {};\n```\n',
        "**.git/hooks/post-checkout.sh**\n```sh\nrm -rf /\n```\n",
        "### `C:\\Windows\\win.ini`\n```ini\n[x]\n```\n",
    ],
)
def test_unsafe_name_rejects_response(markdown: str):
    with pytest.raises(UnsafePathError, match="unsafe file path"):
        ingest_text(markdown, "unsafe")


def test_unsafe_path_in_prose_is_ignored():
    markdown = "Save it as `/tmp/x.py`:\n```python\nx = 1\n```\n"
    project = ingest_text(markdown, "prose")
    assert project.files == {}
    assert any("/tmp/x.py" in warning for warning in project.warnings)


def test_write_does_not_follow_file_link(tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("original\n")
    target = tmp_path / "out"
    (target / "lib").mkdir(parents=True)
    os.symlink(outside, target / "lib" / "x.ts")
    project = Project("p", "markdown", {"lib/x.ts": SourceFile("lib/x.ts", "new\n")})
    with pytest.raises(UnsafePathError, match="lib/x.ts"):
        write_project(project, target)
    assert outside.read_text() == "original\n"


def test_write_does_not_follow_directory_link(tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    os.symlink(outside, target / "lib")
    project = Project("p", "markdown", {"lib/x.ts": SourceFile("lib/x.ts", "new\n")})
    with pytest.raises(UnsafePathError, match="lib/x.ts"):
        write_project(project, target)
    assert list(outside.iterdir()) == []


def test_write_rejects_unsafe_project_before_writing(tmp_path: Path):
    files = {
        "a.ts": SourceFile("a.ts", "a\n"),
        "../b.ts": SourceFile("../b.ts", "b\n"),
    }
    with pytest.raises(UnsafePathError):
        write_project(Project("p", "markdown", files), tmp_path / "out")
    assert not (tmp_path / "out" / "a.ts").exists()
    assert not (tmp_path / "b.ts").exists()


def test_write_creates_nested_files(tmp_path: Path):
    files = {
        "bin/app.ts": SourceFile("bin/app.ts", "app\n"),
        "lib/deep/x.ts": SourceFile("lib/deep/x.ts", "x\n"),
    }
    written = write_project(Project("p", "markdown", files), tmp_path)
    assert written == [tmp_path / "bin/app.ts", tmp_path / "lib/deep/x.ts"]
    assert (tmp_path / "lib/deep/x.ts").read_text() == "x\n"


def test_project_write_to_does_not_follow_link(tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("original\n")
    target = tmp_path / "out"
    target.mkdir()
    os.symlink(outside, target / "app.py")
    project = Project("p", "markdown", {"app.py": SourceFile("app.py", "x = 1\n")})
    with pytest.raises(UnsafePathError, match="app.py"):
        project.write_to(target)
    assert outside.read_text() == "original\n"


def test_manifest_line_count():
    files = {
        "a.py": SourceFile("a.py", "x = 1\ny = 2\n"),
        "b.py": SourceFile("b.py", "x = 1"),
        "c.py": SourceFile("c.py", ""),
    }
    manifest = Project("p", "markdown", files).manifest()
    assert manifest["files"]["a.py"]["lines"] == 2
    assert manifest["files"]["b.py"]["lines"] == 1
    assert manifest["files"]["c.py"]["lines"] == 0
