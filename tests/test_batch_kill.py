"""A batch killed with SIGKILL midway resumes with nothing lost or scored twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from batch_support import IDEAL_DIR

pytestmark = pytest.mark.slow

# Enough uncached responses that the batch is still busy when it is killed,
# even when warm workers synthesize each in a fraction of a second.
VARIANT_ITEMS = tuple(str(item) for item in range(1, 19))
KILL_AFTER = 2


def _batch_command(inputs: Path, run_dir: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from harness.cli import main; main()",
        "batch",
        str(inputs),
        "--ideal",
        str(IDEAL_DIR),
        "-o",
        str(run_dir),
        "-j",
        "2",
        "--no-progress",
        *extra,
    ]


def _index_ids(run_dir: Path) -> list[str]:
    index = run_dir / "index.jsonl"
    if not index.exists():
        return []
    ids = []
    for line in index.read_text().splitlines():
        try:
            ids.append(json.loads(line)["id"])
        except json.JSONDecodeError:
            continue
    return ids


def _wait_for_results(run_dir: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while len(_index_ids(run_dir)) < count:
        assert process.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline, "the batch wrote too few results in 300 s"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> Path:
    from harness.tasks.pci_payment_vpc.variants import make_variant

    root = tmp_path_factory.mktemp("kill") / "responses"
    for item in VARIANT_ITEMS:
        make_variant(item, IDEAL_DIR, root / f"item-{item}")
    return root


def test_batch_resumes_after_sigkill(variants, tmp_path):
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        _batch_command(variants, run_dir, "--no-cache"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for_results(run_dir, KILL_AFTER, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    finished = _index_ids(run_dir)
    assert KILL_AFTER <= len(finished) < len(VARIANT_ITEMS)
    stored = {
        response_id: (run_dir / "evaluations" / f"{response_id}.json").read_bytes()
        for response_id in finished
    }

    resumed = subprocess.run(
        _batch_command(variants, run_dir, "--resume"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr

    counts = Counter(_index_ids(run_dir))
    assert sorted(counts) == sorted(f"item-{item}" for item in VARIANT_ITEMS)
    assert set(counts.values()) == {1}, f"scored twice: {counts}"
    for response_id, content in stored.items():
        path = run_dir / "evaluations" / f"{response_id}.json"
        assert path.read_bytes() == content, f"{response_id} was evaluated again"

    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["counts"]["reused"] == len(finished)
    assert manifest["counts"]["evaluated"] == len(VARIANT_ITEMS) - len(finished)
    scores = (run_dir / "scores.csv").read_text().splitlines()
    assert len(scores) == 1 + len(VARIANT_ITEMS)
