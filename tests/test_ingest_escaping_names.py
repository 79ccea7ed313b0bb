"""File names that leave the project raise even without a known extension.

`passwd` or `authorized_keys` is no project file name, so such a heading once
left its block unnamed and the block was skipped as prose. A name that points
outside the project must instead reject the response, as `/etc/x.sh` does.
"""

from __future__ import annotations

import pytest

from harness.errors import UnsafePathError
from harness.ingest import ingest_text
from harness.ingest._paths import leaves_project

BLOCK = "\n\n```\nroot:x:0:0\n```\n"


@pytest.mark.parametrize(
    ("heading", "path"),
    [
        ("## File: ../../etc/passwd", "../../etc/passwd"),
        ("## ../../etc/passwd", "../../etc/passwd"),
        ("### `../../etc/passwd`", "../../etc/passwd"),
        ("### 3. ../../etc/passwd - the users", "../../etc/passwd"),
        ("**File: ../secrets/id_rsa**", "../secrets/id_rsa"),
        ("## File: /etc/passwd", "/etc/passwd"),
        ("## Path: ~/.ssh/authorized_keys", "~/.ssh/authorized_keys"),
        ("File: C:\\Windows\\System32\\hosts", "C:\\Windows\\System32\\hosts"),
        ("## File: lib/../../outside", "lib/../../outside"),
    ],
)
def test_heading_leaving_project_rejects(heading: str, path: str):
    with pytest.raises(UnsafePathError) as caught:
        ingest_text(heading + BLOCK, "unsafe")
    assert repr(path) in str(caught.value)


def test_path_comment_leaving_project_rejects():
    markdown = "```\n// File: ../../etc/passwd\nroot:x:0:0\n```\n"
    with pytest.raises(UnsafePathError, match="'../../etc/passwd'"):
        ingest_text(markdown, "unsafe")


@pytest.mark.parametrize(
    "heading",
    [
        "## /health",
        "## GET /api/users",
        "## Run `cd ../..`",
        "## File: lib/../README",
    ],
)
def test_heading_inside_project_skips_block(heading: str):
    project = ingest_text(heading + BLOCK, "safe")
    assert project.files == {}
    assert len(project.skipped) == 1


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("../x", True),
        ("a/../../x", True),
        ("/etc/passwd", True),
        ("~/x", True),
        ("C:\\x", True),
        ("..\\..\\x", True),
        ("a/../x", False),
        ("../..", False),
        ("lib/x", False),
        ("passwd", False),
        ("../x y", False),
    ],
)
def test_leaves_project(token: str, expected: bool):
    assert leaves_project(token) is expected
