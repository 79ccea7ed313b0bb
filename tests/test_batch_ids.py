"""Response ids of explicit paths: parent folders are added until the ids differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.batch import collect_responses
from harness.errors import ConfigError

MARKDOWN = "## File: app.py\n\n```python\nprint({number})\n```\n"


def _write(root: Path, *relatives: str) -> list[str]:
    paths = []
    for number, relative in enumerate(relatives):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(MARKDOWN.format(number=number))
        paths.append(str(path))
    return paths


def _ids(inputs: list[str]) -> list[str]:
    specs, _ = collect_responses(inputs)
    return [spec.id for spec in specs]


def test_same_named_files_get_parent_folders(tmp_path: Path):
    paths = _write(
        tmp_path,
        "a/MODEL_RESPONSE.md",
        "b/x/MODEL_RESPONSE.md",
        "c/x/MODEL_RESPONSE.md",
        "other.md",
    )
    assert _ids(paths) == [
        "a/MODEL_RESPONSE",
        "b/x/MODEL_RESPONSE",
        "c/x/MODEL_RESPONSE",
        "other",
    ]


def test_explicit_ids_match_glob_ids(tmp_path: Path):
    paths = _write(tmp_path, "a/MODEL_RESPONSE.md", "b/MODEL_RESPONSE.md")
    assert _ids(paths) == _ids([str(tmp_path / "*" / "MODEL_RESPONSE.md")])


def test_unique_file_keeps_short_id(tmp_path: Path):
    paths = _write(tmp_path, "a/MODEL_RESPONSE.md", "b/IDEAL_RESPONSE.md")
    assert _ids(paths) == ["IDEAL_RESPONSE", "MODEL_RESPONSE"]


def test_single_document_folders_get_distinct_ids(tmp_path: Path):
    _write(tmp_path, "task1/MODEL_RESPONSE.md", "task2/MODEL_RESPONSE.md")
    inputs = [str(tmp_path / "task1"), str(tmp_path / "task2")]
    assert _ids(inputs) == ["task1/MODEL_RESPONSE", "task2/MODEL_RESPONSE"]


def test_same_file_twice_rejected(tmp_path: Path):
    (path,) = _write(tmp_path, "a/MODEL_RESPONSE.md")
    again = str(tmp_path / "a" / ".." / "a" / "MODEL_RESPONSE.md")
    with pytest.raises(ConfigError, match="is given twice") as caught:
        collect_responses([path, again])
    assert "give each response once" in str(caught.value)


def test_table_ids_are_not_lengthened(tmp_path: Path):
    (tmp_path / "rows.jsonl").write_text('{"id": "MODEL_RESPONSE", "response": "x"}\n')
    paths = _write(tmp_path, "a/MODEL_RESPONSE.md")
    assert _ids([*paths, str(tmp_path / "rows.jsonl")]) == [
        "MODEL_RESPONSE",
        "a/MODEL_RESPONSE",
    ]
