"""Warm the jsii package cache that Python syntheses share.

jsii unpacks aws-cdk-lib (about 180 MB for 2.275.0) into its package cache on
first use. Responses see that cache only through a private copy-on-write
overlay whose tmpfs is far smaller, so the cache must be filled before any
response runs, by a trusted warm-up run that writes it directly.
"""

from __future__ import annotations

import fcntl
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from harness.errors import ToolchainError
from harness.synth._env import python_environment, run_environment
from harness.synth._process import Limits, ProcessOutcome, run_contained
from harness.synth._settings import SynthSettings
from harness.synth._toolchain import (
    harness_home,
    jsii_cache_dir,
    jsii_cache_has_cdk,
    node_binary,
    python_cdk_version,
)

log = logging.getLogger(__name__)

WARM_SCRIPT = Path(__file__).resolve().parent / "warm_py.py"
WARM_TIMEOUT_SECONDS = 300.0
LOCK_NAME = "jsii.lock"
# Failed automatic warm-ups of this process, by cache directory.
_failures: dict[Path, ToolchainError] = {}


def jsii_cache_warm() -> bool:
    """Return True when the installed aws-cdk-lib is unpacked and indexed in the cache."""
    return jsii_cache_has_cdk(jsii_cache_dir())


def ensure_jsii_cache(timeout: float = WARM_TIMEOUT_SECONDS) -> float | None:
    """Warm the jsii cache unless it is warm; return the warm-up's seconds or None.

    Processes sharing a harness home take turns through a lock file, so only
    the first one warms the cache. Raises ToolchainError naming the fix when
    the warm-up fails. A failed warm-up is not retried in this process, so a
    batch on a broken home fails its Python responses at once.
    """
    if jsii_cache_warm():
        return None
    cache = jsii_cache_dir()
    if cache in _failures:
        raise _failures[cache]
    with _warm_lock():
        if jsii_cache_warm():
            return None
        log.warning(
            "the jsii cache in %s lacks aws-cdk-lib %s; filling it once "
            "(`iac-harness setup` does this ahead of time)",
            cache,
            python_cdk_version(),
        )
        try:
            return warm_jsii_cache(timeout)
        except ToolchainError as exc:
            _failures[cache] = exc
            raise


def warm_jsii_cache(timeout: float = WARM_TIMEOUT_SECONDS) -> float:
    """Run one small Python CDK app to fill the jsii cache, and return its seconds.

    The app is the harness's own script, so it runs without the private
    filesystem (still without network) and writes the shared cache directly.
    Raises ToolchainError when aws-cdk-lib is not installed for this Python,
    the app fails, or the cache stays unindexed.
    """
    if python_cdk_version() is None:
        raise ToolchainError(
            f"the aws-cdk-lib Python package is not installed for {sys.executable}; "
            "install the harness with its dependencies (`pip install -e .`) and "
            "run `iac-harness setup`"
        )
    cache = jsii_cache_dir()
    _make_cache_dir(cache)
    settings = SynthSettings()
    node_dir = str(Path(node_binary()).parent)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iac-warm-") as temporary:
        root = Path(temporary)
        for name in ("home", "tmp", "cdk.out"):
            (root / name).mkdir()
        env = python_environment(
            run_environment(settings, node_dir, root, root / "cdk.out", {}), cache
        )
        limits = Limits(
            wall_seconds=timeout,
            memory_mb=settings.memory_mb,
            isolate_filesystem=False,
        )
        outcome = run_contained(
            [sys.executable, str(WARM_SCRIPT)], root, env, limits, root / "logs"
        )
        if outcome.returncode != 0 or not jsii_cache_warm():
            _raise_warm_failure(cache, outcome)
    return time.monotonic() - start


def _raise_warm_failure(cache: Path, outcome: ProcessOutcome) -> NoReturn:
    """Log the warm-up's output and raise its last line with the fix."""
    tail = outcome.tail(8000)
    log.error("the jsii cache warm-up failed; its output ends with:\n%s", tail)
    lines = [line.strip() for line in tail.splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    if outcome.timed_out:
        reason = "timed out"
    elif outcome.returncode == 0:
        reason = f"exit 0, but aws-cdk-lib {python_cdk_version()} is still not indexed"
    else:
        reason = f"exit {outcome.returncode}"
    raise ToolchainError(
        f"warming the jsii cache in {cache} failed ({reason}): {last}. Make that "
        "directory writable with over 200 MB free for aws-cdk-lib, or set "
        "IAC_HARNESS_HOME to another directory, then run `iac-harness setup`"
    )


def _make_cache_dir(cache: Path) -> None:
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolchainError(
            f"cannot create the jsii cache directory {cache}: {exc}; set "
            "IAC_HARNESS_HOME to a writable directory and run `iac-harness setup`"
        ) from exc


@contextmanager
def _warm_lock() -> Iterator[None]:
    """Hold an exclusive lock on `<harness home>/jsii.lock` while warming."""
    home = harness_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle = (home / LOCK_NAME).open("a")
    except OSError as exc:
        raise ToolchainError(
            f"cannot create the lock file in the harness home {home}: {exc}; set "
            "IAC_HARNESS_HOME to a writable directory and run `iac-harness setup`"
        ) from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
