"""Warm the jsii package cache that Python syntheses share."""

from __future__ import annotations

import glob
import logging
import sys
import tempfile
import time
from pathlib import Path

from harness.errors import ToolchainError
from harness.synth._env import python_environment, run_environment
from harness.synth._process import Limits, run_contained
from harness.synth._settings import SynthSettings
from harness.synth._toolchain import jsii_cache_dir, node_binary

log = logging.getLogger(__name__)

WARM_SCRIPT = Path(__file__).resolve().parent / "warm_py.py"
INDEX_GLOB = "aws-cdk-lib/*/*/.jsii.runtime.v*.json"


def jsii_cache_warm() -> bool:
    """Return True when aws-cdk-lib is unpacked and indexed in the jsii cache."""
    return bool(glob.glob(str(jsii_cache_dir() / INDEX_GLOB)))


def warm_jsii_cache(timeout: float = 300.0) -> float:
    """Run one small Python CDK app to fill the jsii cache, and return its seconds.

    Raises ToolchainError when the app fails or the cache stays unindexed.
    """
    settings = SynthSettings()
    node_dir = str(Path(node_binary()).parent)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iac-warm-") as temporary:
        root = Path(temporary)
        for name in ("home", "tmp", "cdk.out"):
            (root / name).mkdir()
        env = python_environment(
            run_environment(settings, node_dir, root, root / "cdk.out", {}),
            jsii_cache_dir(),
        )
        outcome = run_contained(
            [sys.executable, str(WARM_SCRIPT)],
            root,
            env,
            Limits(wall_seconds=timeout, memory_mb=settings.memory_mb),
            root / "logs",
        )
        if outcome.returncode != 0:
            raise ToolchainError(
                f"warming the jsii cache in {jsii_cache_dir()} failed "
                f"(exit {outcome.returncode}): {outcome.tail(2000)}"
            )
    return time.monotonic() - start
