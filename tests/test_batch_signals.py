"""A batch stopped by SIGTERM or SIGINT: one clear message, no worker tracebacks.

The batch runs the toy pipeline of batch_support with two workers, each
response sleeping long enough for the signal to arrive mid-evaluation.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.batch import BatchInterrupted
from harness.batch._interrupt import interrupted
from harness.batch._record import BatchProgress

TESTS_DIR = Path(__file__).resolve().parent
RESPONSES = 6


def _write_responses(directory: Path, seconds: float) -> Path:
    directory.mkdir()
    for number in range(RESPONSES):
        # Distinct text per response, so that none is deduplicated.
        markdown = (
            f"## File: app.py\n\n```python\n# TOY:SLEEP={seconds} {number}\n```\n"
        )
        (directory / f"r{number}.md").write_text(markdown)
    return directory


def _start_batch(inputs: Path, run_dir: Path) -> subprocess.Popen[str]:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(TESTS_DIR), environment.get("PYTHONPATH")])
    )
    # A child of a non-interactive shell may inherit an ignored SIGINT.
    program = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from harness.cli import main; main()"
    )
    command = [sys.executable, "-c", program]
    command += ["batch", str(inputs), "-o", str(run_dir), "-j", "2"]
    command += ["--evaluator", "batch_support:toy_evaluate", "--no-progress"]
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,
    )


def _wait_for_workers(process: subprocess.Popen[str], count: int) -> None:
    """Wait until the batch has `count` worker processes busy with responses."""
    deadline = time.monotonic() + 60
    while len(_group_members(process.pid)) < count + 1:
        assert process.poll() is None, "the batch ended before it could be stopped"
        assert time.monotonic() < deadline, "the workers did not start in 60 s"
        time.sleep(0.1)
    time.sleep(1.0)


def _group_members(group: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-g", str(group)], capture_output=True, text=True, check=False
    )
    return [int(pid) for pid in found.stdout.split()]


def _wait_for_group_exit(group: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while _group_members(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _group_members(group)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "to_group"),
    [
        (signal.SIGTERM, False),
        (signal.SIGTERM, True),
        (signal.SIGINT, False),
        (signal.SIGINT, True),
    ],
)
def test_signal_stops_batch_quietly(tmp_path, signum: int, to_group: bool):
    inputs = _write_responses(tmp_path / "responses", seconds=20)
    process = _start_batch(inputs, tmp_path / "run")
    _wait_for_workers(process, count=2)

    if to_group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == 128 + signum, stderr
    flat = " ".join(stderr.split())
    name = signal.Signals(signum).name
    assert f"the batch was stopped by {name} before any response finished" in flat
    assert "Traceback" not in stderr
    assert _wait_for_group_exit(process.pid, seconds=10) == []


@pytest.mark.slow
def test_workers_of_killed_parent_exit_quietly(tmp_path):
    inputs = _write_responses(tmp_path / "responses", seconds=2)
    process = _start_batch(inputs, tmp_path / "run")
    _wait_for_workers(process, count=2)

    process.kill()
    # The workers keep stderr open until they exit, so this waits for them too.
    _, stderr = process.communicate(timeout=60)

    assert process.returncode == -signal.SIGKILL
    assert "BrokenPipeError" not in stderr
    assert "Traceback" not in stderr
    assert _wait_for_group_exit(process.pid, seconds=10) == []


def test_interrupted_before_any_result(tmp_path):
    error = interrupted(KeyboardInterrupt(), None, tmp_path)
    assert isinstance(error, BatchInterrupted)
    assert error.exit_code == 130
    assert "stopped by SIGINT before any response finished" in str(error)


def test_interrupted_names_kept_results(tmp_path):
    progress = BatchProgress(total=6, evaluated=2, reused=1)
    error = interrupted(KeyboardInterrupt(), progress, tmp_path)
    assert "after 3 of 6 responses" in str(error)
    assert str(tmp_path) in str(error)
    assert "--resume to evaluate the rest" in str(error)


def test_interrupted_after_every_result(tmp_path):
    progress = BatchProgress(total=6, evaluated=6)
    error = interrupted(KeyboardInterrupt(), progress, tmp_path)
    assert "after all 6 responses finished" in str(error)
    assert "--resume" in str(error)
