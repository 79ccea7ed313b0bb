"""A batch of hostile responses completes, and ordinary ones keep their results.

Every hostile fixture runs in one `evaluate_batch` call next to two ordinary
responses. Each hostile response must end with its expected error class. An
attack that does not stop synthesis must leave no loot in the stored results.
The ordinary responses must get the same results as in a batch of their own.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest
from synth_support import FIXTURES, require_toolchain
from test_hostile import (
    HOSTILE,
    loopback_listener,  # noqa: F401 - a pytest fixture used by name
    materialize,
    planted_secrets,  # noqa: F401 - a pytest fixture used by name
    processes_with,
    require_layer,
)

from harness.batch import BatchOptions, evaluate_batch
from harness.pipeline import EvalSettings

# Long enough for a memory-hungry app to reach its memory limit on a loaded
# 2-core machine before the time limit, so the two error classes stay apart.
BATCH_TIMEOUT = 25.0
ORDINARY = {"ts_agnostic": FIXTURES / "ts_agnostic", "py_vpc": FIXTURES / "py_vpc"}
EXPECTED_ERRORS = {
    "ts_infinite_loop": "timeout",
    "py_infinite_loop": "timeout",
    "py_allocate_memory": "out_of_memory",
    "ts_allocate_memory": "out_of_memory",
    "py_write_huge_file": "output_limit",
    "ts_print_huge_log": "output_limit",
    "py_deep_recursion": "app_exception",
    "ts_deep_recursion": "app_exception",
    "unsafe_parent_path": "unsafe_path",
    "symlink_escape": "unsafe_path",
    "py_fill_disk": "output_limit",
}
SYNTHESIZED = {
    "py_fork_bomb",
    "py_read_secrets",
    "ts_read_secrets",
    "py_write_outside",
    "ts_connect_loopback",
    "py_connect_loopback",
    "ts_background_process",
    "py_background_process",
    "ts_read_stdin",
    "py_read_stdin",
    "py_plant_links",
}

pytestmark = pytest.mark.slow


def symlink_escape(destination: Path, secret: Path) -> Path:
    """Write a TypeScript project whose lib/ file is a link to `secret`."""
    project = destination / "symlink_escape"
    (project / "bin").mkdir(parents=True)
    (project / "lib").mkdir()
    (project / "bin" / "app.ts").write_text("import '../lib/secret';\n")
    (project / "lib" / "secret.ts").symlink_to(secret)
    return project


def hostile_inputs(tmp_path: Path, values: dict[str, str]) -> list[Path]:
    """Materialize every hostile fixture and the symlink project under tmp_path."""
    responses = tmp_path / "responses"
    names = sorted(path.name for path in HOSTILE.iterdir())
    inputs = [materialize(name, responses, values) for name in names]
    inputs.append(symlink_escape(responses, Path(values["HOSTILE_NEIGHBOR"])))
    return inputs


def templates_of(evaluation) -> list[dict]:
    return [stack.template for stack in evaluation.synth.stacks]


def statuses_of(evaluation) -> dict[str, str]:
    return {finding.item: str(finding.status) for finding in evaluation.findings}


def test_batch_contains_hostile_responses(tmp_path, planted_secrets, loopback_listener):  # noqa: F811
    require_toolchain()
    require_layer("filesystem", "network", "pid namespace")
    port, accepted = loopback_listener
    marker = f"hostile-{uuid.uuid4().hex}"
    run_dir = tmp_path / "run"
    targets = [run_dir, run_dir / "evaluations", tmp_path / "work"]
    host_file = tmp_path / "host-file.txt"
    host_file.write_text("owned by the host\n")
    values = {
        "HOSTILE_TARGET": str(host_file),
        **planted_secrets,
        "HOSTILE_PORT": str(port),
        "HOSTILE_MARKER": marker,
        "HOSTILE_TARGETS": os.pathsep.join(str(path) for path in targets),
    }
    inputs = hostile_inputs(tmp_path, values) + list(ORDINARY.values())
    settings = EvalSettings(
        timeout=BATCH_TIMEOUT, isolation="strict", use_cache=False, diff=False
    )
    try:
        result = evaluate_batch(
            inputs,
            run_dir=run_dir,
            settings=settings,
            options=BatchOptions(jobs=2, deduplicate=False),
        )
        evaluations = {item.response.id: item for item in result.evaluations()}
        survivors = processes_with(marker)
    finally:
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)

    expected_ids = set(EXPECTED_ERRORS) | SYNTHESIZED | set(ORDINARY)
    assert set(evaluations) == expected_ids
    for response_id, error_class in EXPECTED_ERRORS.items():
        error = evaluations[response_id].synth.error
        assert error is not None, response_id
        assert error.error_class.value == error_class, (response_id, error.message)
    for response_id in SYNTHESIZED | set(ORDINARY):
        synth = evaluations[response_id].synth
        assert synth.error is None, (response_id, synth.error)
        assert synth.stacks, response_id
    alone = evaluate_batch(
        list(ORDINARY.values()), run_dir=tmp_path / "alone", settings=settings
    )
    for response_id in ORDINARY:
        evaluation = evaluations[response_id]
        reference = alone.evaluation(response_id)
        assert evaluation.outcome in ("pass", "fail"), response_id
        assert evaluation.outcome == reference.outcome, response_id
        assert templates_of(evaluation) == templates_of(reference), response_id
        assert statuses_of(evaluation) == statuses_of(reference), response_id

    stored = "\n".join(path.read_text() for path in run_dir.rglob("*.json"))
    assert planted_secrets["token"] not in stored
    landed = [str(path) for path in targets if (path / marker).exists()]
    assert landed == []
    assert host_file.read_text() == "owned by the host\n"
    assert accepted == []
    assert survivors == []
    assert result.progress.done == len(expected_ids)
