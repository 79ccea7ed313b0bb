"""A content-addressed cache of synthesis results on disk."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from harness._synth_result import SynthResult
from harness.errors import ErrorClass
from harness.synth._toolchain import harness_home

log = logging.getLogger(__name__)

SYNTH_DIR = Path(__file__).resolve().parent

# Outcomes that depend on the machine or the harness, not only on the response.
UNCACHED_ERRORS = {ErrorClass.HARNESS_ERROR, ErrorClass.TIMEOUT}


def cache_dir() -> Path:
    """Return the directory of cached results: `<harness home>/synth`."""
    return harness_home() / "synth"


def cache_key(
    content_hash: str, versions: dict[str, Any], settings: dict[str, Any]
) -> str:
    """Return the SHA-256 of the project content, tool versions and output settings.

    The key also covers the synthesis code itself, so editing a runner or a
    classifier invalidates the results that the old code cached.
    """
    material = json.dumps(
        {
            "project": content_hash,
            "versions": versions,
            "settings": settings,
            "code": code_fingerprint(),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """Return the SHA-256 of the synthesis package's source files (.py and .js)."""
    digest = hashlib.sha256()
    for path in sorted(SYNTH_DIR.rglob("*")):
        if path.suffix in (".py", ".js") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(SYNTH_DIR).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load(key: str, directory: Path | None = None) -> SynthResult | None:
    """Return the cached result for `key` with `cache_hit` set, or None."""
    path = _path(key, directory)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("ignored unreadable cache entry %s: %s", path, exc)
        return None
    result = SynthResult.from_dict(data)
    result.cache_hit = True
    return result


def cacheable(result: SynthResult) -> bool:
    """Return True unless the result's error depends on the harness or the machine."""
    return result.error is None or result.error.error_class not in UNCACHED_ERRORS


def store(key: str, result: SynthResult, directory: Path | None = None) -> None:
    """Write `result` under `key` atomically: a temporary file renamed into place."""
    path = _path(key, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    data["cache_hit"] = False
    handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _path(key: str, directory: Path | None) -> Path:
    return (directory or cache_dir()) / key[:2] / f"{key}.json"
