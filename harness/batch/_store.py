"""The run directory: one Evaluation file per response, an index, resume keys.

Each finished result is written atomically to `evaluations/<file>.json` and
then announced by one line appended (and fsynced) to `index.jsonl`. A run
killed at any moment therefore keeps every result whose index line was
written. A result file without its line is checked against its own content
and adopted on resume.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.batch._inputs import ResponseSpec, file_name_for
from harness.errors import ConfigError
from harness.evaluation import Evaluation
from harness.results import write_atomic

logger = logging.getLogger(__name__)

INDEX = "index.jsonl"
LOCK = ".lock"
EVALUATIONS = "evaluations"
# Keys that the evaluation adds to its settings record and that are not settings.
_NON_SETTING_KEYS = ("failed_stage", "role")


def resume_key(
    content_hash: str, task: str, settings: dict[str, Any], ideal_hash: str | None
) -> str:
    """Return the key under which a result is reused: content, task, settings, ideal."""
    document = {
        "content_hash": content_hash,
        "task": task,
        "settings": _normalized(settings),
        "ideal": ideal_hash,
    }
    encoded = json.dumps(document, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()


def _normalized(settings: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in settings.items() if k not in _NON_SETTING_KEYS}
    return json.loads(json.dumps(cleaned, sort_keys=True, default=str))


def _same_settings(recorded: dict[str, Any], current: dict[str, Any]) -> bool:
    """Compare on the current settings' keys; an evaluation may record extra keys."""
    picked = {key: recorded.get(key) for key in current}
    return _normalized(picked) == _normalized(current)


@dataclass(frozen=True)
class IndexEntry:
    """One line of index.jsonl: a finished result and where it is stored."""

    id: str
    file: str
    key: str
    content_hash: str
    outcome: str
    score: float | None
    error_class: str | None
    seconds: float
    copy_of: str | None = None

    def to_json(self) -> str:
        return json.dumps(vars(self), sort_keys=True)


class RunStore:
    """Reader and writer of one run directory. Only the batch's parent process writes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.evaluations_dir = directory / EVALUATIONS
        self.index_path = directory / INDEX

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the run directory; raise ConfigError if taken.

        The operating system releases the lock when the holder dies, so a run
        killed with SIGKILL does not block the next one.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / LOCK, "a+") as stream:
            try:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                stream.seek(0)
                holder = stream.read().strip() or "unknown"
                raise ConfigError(
                    f"another batch (process {holder}) is writing to {self.directory}; "
                    "wait for it to finish or choose another run directory"
                ) from exc
            stream.seek(0)
            stream.truncate()
            stream.write(f"{os.getpid()}\n")
            stream.flush()
            try:
                yield
            finally:
                fcntl.flock(stream.fileno(), fcntl.LOCK_UN)

    def has_results(self) -> bool:
        return self.index_path.exists() or any(self.evaluations_dir.glob("*.json"))

    def prepare(self) -> None:
        """Create the directories, and end a torn last index line so appends stay whole."""
        self.evaluations_dir.mkdir(parents=True, exist_ok=True)
        if self.index_path.exists() and self.index_path.stat().st_size:
            with open(self.index_path, "rb+") as stream:
                stream.seek(-1, os.SEEK_END)
                if stream.read(1) != b"\n":
                    stream.write(b"\n")

    def evaluation_path(self, response_id: str) -> Path:
        return self.evaluations_dir / f"{file_name_for(response_id)}.json"

    def write(
        self,
        evaluation: Evaluation,
        key: str,
        seconds: float,
        copy_of: str | None = None,
    ) -> IndexEntry:
        """Store `evaluation` atomically, then append its index line durably.

        `copy_of` names the response whose evaluation this one copies.
        """
        path = self.evaluation_path(evaluation.response.id)
        write_atomic(path, evaluation.to_json() + "\n")
        error = evaluation.synth.error
        entry = IndexEntry(
            id=evaluation.response.id,
            file=f"{EVALUATIONS}/{path.name}",
            key=key,
            content_hash=evaluation.response.content_hash,
            outcome=evaluation.outcome,
            score=evaluation.score.get("score"),
            error_class=error.error_class.value if error else None,
            seconds=round(seconds, 3),
            copy_of=copy_of,
        )
        self._append_index(entry)
        return entry

    def _append_index(self, entry: IndexEntry) -> None:
        with open(self.index_path, "a", encoding="utf-8") as stream:
            stream.write(entry.to_json() + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def read_index(self) -> dict[str, IndexEntry]:
        """Return the last index entry per response id; skip a torn last line."""
        entries: dict[str, IndexEntry] = {}
        if not self.index_path.exists():
            return entries
        for number, line in enumerate(self.index_path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = IndexEntry(**json.loads(line))
            except (json.JSONDecodeError, TypeError) as exc:
                logger.warning(
                    "ignoring invalid line %d of %s: %s", number, self.index_path, exc
                )
                continue
            entries[entry.id] = entry
        return entries

    def reusable(
        self,
        specs: list[ResponseSpec],
        keys: dict[str, str],
        task: str,
        settings: dict[str, Any],
    ) -> dict[str, IndexEntry]:
        """Return the stored results that resume may reuse, by response id.

        A result is reused when its key matches, its file exists and its
        outcome is not a harness error (those are evaluated again).
        """
        index = self.read_index()
        reusable = {}
        for spec in specs:
            entry = index.get(spec.id)
            if entry is None or entry.key != keys[spec.id]:
                entry = self._adopt_orphan(spec, keys[spec.id], task, settings)
            if entry is None or entry.key != keys[spec.id]:
                continue
            if entry.outcome == "harness_error":
                continue
            if not (self.directory / entry.file).exists():
                continue
            reusable[spec.id] = entry
        return reusable

    def _adopt_orphan(
        self, spec: ResponseSpec, key: str, task: str, settings: dict[str, Any]
    ) -> IndexEntry | None:
        """Index a result file written just before a kill, if it matches `key`.

        NOTE: the ideal's hash is not stored in the Evaluation document, so an
        orphan file is matched on content, task and settings only.
        """
        path = self.evaluation_path(spec.id)
        if not path.exists():
            return None
        try:
            evaluation = Evaluation.load(path)
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("ignoring unreadable result %s: %s", path, exc)
            return None
        same = (
            evaluation.response.content_hash == spec.content_hash
            and evaluation.task == task
            and _same_settings(evaluation.settings, settings)
        )
        if not same:
            return None
        entry = IndexEntry(
            id=spec.id,
            file=f"{EVALUATIONS}/{path.name}",
            key=key,
            content_hash=spec.content_hash,
            outcome=evaluation.outcome,
            score=evaluation.score.get("score"),
            error_class=evaluation.synth.error.error_class.value
            if evaluation.synth.error
            else None,
            seconds=0.0,
        )
        self._append_index(entry)
        logger.info("adopted result %s that had no index line", path)
        return entry

    def load(self, entry: IndexEntry) -> Evaluation:
        return Evaluation.load(self.directory / entry.file)
