"""Expand batch inputs (directories, markdown files, globs, tables) into responses.

Every response gets a stable id and the content hash that resume keys on. Ids
come from an id column when a table has one, otherwise from the input's path.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness._project import Project
from harness.errors import (
    ConfigError,
    ErrorClass,
    HarnessError,
    ResponseError,
    UnsafePathError,
)

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = (".jsonl", ".csv", ".parquet")
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Files or folders whose presence marks a directory as one CDK project rather
# than a folder of responses.
PROJECT_MARKERS = ("cdk.json", "package.json", "app.py", "tap.py", "bin", "lib")
_GLOB_CHARS = re.compile(r"[*?\[]")
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Columns:
    """Column names read from tabular inputs (JSONL, CSV, parquet)."""

    id: str = "id"
    text: str = "response"
    model: str = "model"
    prompt: str = "prompt_id"


@dataclass
class ResponseSpec:
    """One response of a batch, ingested, with the identity its results carry.

    `project` is None when ingestion rejected the response. `ingest_error` then
    gives the reason, and `content_hash` is the SHA-256 of the raw input.
    `origin` is the file or folder the response was read from, None for a
    table row or a text.
    """

    id: str
    source: str
    kind: str
    content_hash: str
    project: Project | None
    ingest_error: ResponseError | None = None
    model: str | None = None
    prompt_id: str | None = None
    origin: Path | None = None


@dataclass(frozen=True)
class InputFile:
    """One input as given on the command line, with the hash the manifest records."""

    path: str
    kind: str
    sha256: str
    responses: int


def collect_responses(
    inputs: Iterable[str | Path], columns: Columns | None = None
) -> tuple[list[ResponseSpec], list[InputFile]]:
    """Expand `inputs` into responses sorted by id; raise ConfigError on bad input.

    Responses read from files or folders of the same name get ids with as many
    parent folders as make them distinct (`a/MODEL_RESPONSE`). Ids that are
    still equal are rejected, because results are stored by id.

    NOTE: ingestion runs in the calling process without the workers' time and
    memory limits, and every ingested project stays in memory until the batch ends.
    """
    columns = columns or Columns()
    specs: list[ResponseSpec] = []
    files: list[InputFile] = []
    for raw in inputs:
        for path, root in _expand(str(raw)):
            found = _collect_path(path, root, columns)
            files.append(
                InputFile(str(path), _kind_of(path), _hash_path(path), len(found))
            )
            specs.extend(found)
    if not specs:
        raise ConfigError(
            "no responses found in the inputs "
            f"{', '.join(str(i) for i in inputs) or '(none given)'}; "
            "give CDK project directories, markdown files, folders of them, "
            "or JSONL/CSV/parquet tables"
        )
    _lengthen_duplicate_ids(specs)
    _check_unique(specs)
    specs.sort(key=lambda spec: spec.id)
    return specs, files


def _expand(raw: str) -> list[tuple[Path, Path]]:
    """Return (path, id root) pairs: the glob's matches, or the path itself."""
    if not _GLOB_CHARS.search(raw):
        path = Path(raw)
        if not path.exists():
            raise ConfigError(f"input not found: {raw}")
        return [(path, path.parent)]
    matches = sorted(glob.glob(raw, recursive=True))
    if not matches:
        raise ConfigError(f"the glob {raw!r} matched no file or folder")
    prefix = raw[: _GLOB_CHARS.search(raw).start()]
    root = Path(prefix) if prefix.endswith("/") else Path(prefix).parent
    return [(Path(match), root) for match in matches]


def _collect_path(path: Path, root: Path, columns: Columns) -> list[ResponseSpec]:
    if path.is_dir():
        if is_project_dir(path):
            return [_spec_from_path(path, _relative_id(path, root))]
        return _collect_folder(path, columns)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return _collect_table(path, columns)
    if suffix in MARKDOWN_SUFFIXES:
        return [_spec_from_path(path, _relative_id(path, root))]
    raise ConfigError(
        f"unsupported input file {path}: expected a markdown file "
        f"({', '.join(MARKDOWN_SUFFIXES)}), a table ({', '.join(TABLE_SUFFIXES)}) "
        "or a directory"
    )


def is_project_dir(path: Path) -> bool:
    """Return True when `path` looks like one CDK project, not a folder of responses."""
    return any((path / marker).exists() for marker in PROJECT_MARKERS)


def _collect_folder(folder: Path, columns: Columns) -> list[ResponseSpec]:
    """Treat each subfolder, markdown file and table of `folder` as responses."""
    specs: list[ResponseSpec] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        suffix = child.suffix.lower()
        if child.is_dir() or suffix in MARKDOWN_SUFFIXES:
            specs.append(_spec_from_path(child, _relative_id(child, folder)))
        elif suffix in TABLE_SUFFIXES:
            specs.extend(_collect_table(child, columns))
        else:
            logger.info(
                "skipping %s: not a response folder, markdown file or table", child
            )
    return specs


def _relative_id(path: Path, root: Path) -> str:
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(path.name)
    text = relative.as_posix()
    for suffix in MARKDOWN_SUFFIXES:
        if text.lower().endswith(suffix):
            return text[: -len(suffix)]
    return text


def _spec_from_path(path: Path, response_id: str) -> ResponseSpec:
    from harness.ingest import ingest

    kind = "directory" if path.is_dir() else "markdown"
    spec = _ingested(
        response_id, str(path), kind, lambda: ingest(path), lambda: _hash_path(path)
    )
    spec.origin = path
    return spec


def spec_from_text(
    text: str, response_id: str, source: str, model: str | None, prompt: str | None
) -> ResponseSpec:
    """Ingest markdown `text` as one response."""
    from harness.ingest import ingest_text

    spec = _ingested(
        response_id,
        source,
        "markdown",
        lambda: ingest_text(text, response_id),
        lambda: hashlib.sha256(text.encode()).hexdigest(),
    )
    spec.model = model
    spec.prompt_id = prompt
    return spec


def _ingested(
    response_id: str,
    source: str,
    kind: str,
    load: Callable[[], Project],
    raw_hash: Callable[[], str],
) -> ResponseSpec:
    """Ingest one response; a rejected response becomes a spec with its error."""
    try:
        project = load()
    except HarnessError as exc:
        error_class = (
            ErrorClass.UNSAFE_PATH
            if isinstance(exc, UnsafePathError)
            else ErrorClass.UNPARSEABLE_RESPONSE
        )
        logger.info("ingest rejected response %s: %s", response_id, exc)
        error = ResponseError(error_class, f"ingest rejected the response: {exc}")
        return ResponseSpec(response_id, source, kind, raw_hash(), None, error)
    return ResponseSpec(
        response_id, source, project.kind, project.content_hash(), project
    )


def _collect_table(path: Path, columns: Columns) -> list[ResponseSpec]:
    rows = _read_table(path)
    if not rows:
        logger.warning("table %s has no rows", path)
        return []
    available = sorted(rows[0])
    if columns.text not in available:
        raise ConfigError(
            f"table {path} has no response-text column {columns.text!r}; "
            f"its columns are {available}; name the right one with --text-column"
        )
    specs = []
    for number, row in enumerate(rows, start=1):
        given = _cell(row, columns.id)
        response_id = given if given is not None else f"{path.stem}/{number}"
        text = _cell(row, columns.text) or ""
        source = f"{path}#{number}"
        specs.append(
            spec_from_text(
                text,
                response_id,
                source,
                _cell(row, columns.model),
                _cell(row, columns.prompt),
            )
        )
    return specs


def _read_table(path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    try:
        if path.suffix.lower() == ".jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
        elif path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError) as exc:
        raise ConfigError(f"cannot read table {path}: {exc}") from exc
    return frame.to_dict(orient="records")


def _cell(row: dict[str, Any], column: str) -> str | None:
    """Return a cell as text, or None when the column is absent or the cell empty."""
    value = row.get(column)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if text != "" else None


def _lengthen_duplicate_ids(specs: list[ResponseSpec]) -> None:
    """Prefix parent folders to the ids of same-named files until they differ.

    Only responses whose id another response has change. Each round adds one
    folder, so the loop ends when the ids differ or the paths are used up.
    """
    while True:
        groups: dict[str, list[ResponseSpec]] = defaultdict(list)
        for spec in specs:
            groups[spec.id].append(spec)
        changed = False
        for group in groups.values():
            if len(group) < 2:
                continue
            origins = Counter(_resolved(spec) for spec in group)
            for spec in group:
                if origins[_resolved(spec)] > 1:
                    continue  # The same input twice, which _check_unique reports.
                longer = _longer_id(spec)
                if longer is not None:
                    spec.id = longer
                    changed = True
        if not changed:
            return


def _resolved(spec: ResponseSpec) -> Path | None:
    return None if spec.origin is None else spec.origin.resolve()


def _longer_id(spec: ResponseSpec) -> str | None:
    """Return the spec's id with one more parent folder of its origin, if it has one.

    An id read from a path is the end of that path, without a markdown suffix.
    """
    if spec.origin is None:
        return None
    parts = spec.origin.resolve().parts[1:]
    if not parts:
        return None
    last = parts[-1]
    for suffix in MARKDOWN_SUFFIXES:
        if last.lower().endswith(suffix) and spec.origin.is_file():
            last = last[: -len(suffix)]
            break
    parts = (*parts[:-1], last)
    depth = len(spec.id.split("/")) + 1
    if depth > len(parts) or "/".join(parts[-depth + 1 :]) != spec.id:
        return None
    return "/".join(parts[-depth:])


def _check_unique(specs: list[ResponseSpec]) -> None:
    seen: dict[str, str] = {}
    origins: dict[Path, str] = {}
    for spec in specs:
        origin = _resolved(spec)
        if origin is not None and origin in origins:
            raise ConfigError(
                f"the response {spec.source} is given twice (also as "
                f"{origins[origin]}); give each response once"
            )
        if origin is not None:
            origins[origin] = spec.source
        if spec.id in seen:
            raise ConfigError(
                f"duplicate response id {spec.id!r} from {seen[spec.id]} and "
                f"{spec.source}; give each response a distinct id (an id column, "
                "or distinct file names)"
            )
        seen[spec.id] = spec.source


def _kind_of(path: Path) -> str:
    if path.is_dir():
        return "project" if is_project_dir(path) else "folder"
    suffix = path.suffix.lower()
    return suffix.lstrip(".") if suffix in TABLE_SUFFIXES else "markdown"


def _hash_path(path: Path) -> str:
    """Return a SHA-256 of a file's bytes, or of a folder's relative paths and bytes."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = file.relative_to(path).as_posix()
        if any(
            part.startswith(".") or part == "node_modules"
            for part in relative.split("/")
        ):
            continue
        digest.update(relative.encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def file_name_for(response_id: str) -> str:
    """Return a file name for `response_id`, unique per id and safe on any filesystem.

    Ids made only of letters, digits, `.`, `_` and `-` are used as they are.
    Other ids get their unsafe characters replaced and a short hash appended.
    """
    safe = _UNSAFE_ID_CHARS.sub("_", response_id).strip(".") or "response"
    if safe == response_id:
        return safe
    return f"{safe[:80]}-{hashlib.sha256(response_id.encode()).hexdigest()[:10]}"
