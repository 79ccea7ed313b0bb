"""The local worker pool: results, timeouts, crashes, memory limits, recycling."""

from __future__ import annotations

import pytest
from batch_support import TOY_TASK, toy_evaluate, toy_project

from harness.batch import PoolLimits, ResponseSpec
from harness.batch._pool import LocalPool
from harness.batch._worker import WorkerSetup
from harness.pipeline import EvalSettings


def _spec(response_id: str, text: str) -> ResponseSpec:
    project = toy_project(response_id, text)
    return ResponseSpec(
        id=response_id,
        source=f"test:{response_id}",
        kind="markdown",
        content_hash=project.content_hash(),
        project=project,
    )


def _run(specs: list[ResponseSpec], limits: PoolLimits) -> dict:
    setup = WorkerSetup(
        token="pool-test",
        task=TOY_TASK,
        settings=EvalSettings(task=TOY_TASK.id),
        evaluator=toy_evaluate,
    )
    results = {}

    def record(spec, evaluation, seconds):
        assert spec.id not in results, f"{spec.id} reported twice"
        results[spec.id] = evaluation

    LocalPool(setup, limits).run(specs, record)
    return results


@pytest.mark.slow
def test_pool_survives_hang_crash_raise_memory():
    specs = [
        _spec("a-ok", "TOY:FAIL=2"),
        _spec("b-hang", "TOY:HANG"),
        _spec("c-crash", "TOY:CRASH"),
        _spec("d-raise", "TOY:RAISE"),
        _spec("e-memory", "TOY:MEMORY=400"),
        _spec("f-nosynth", "TOY:NOSYNTH"),
        _spec("g-ok", "nothing to see"),
    ]
    limits = PoolLimits(jobs=2, timeout=4.0, memory_mb=250.0, max_tasks_per_child=10)
    results = _run(specs, limits)

    assert sorted(results) == [spec.id for spec in specs]
    assert results["a-ok"].outcome == "fail"
    assert results["a-ok"].score["score"] == pytest.approx(100 * 12 / 17, abs=0.01)
    assert results["g-ok"].outcome == "pass"

    hang = results["b-hang"]
    assert hang.synth.error.error_class.value == "timeout"
    assert hang.outcome == "model_error"
    assert "4 s" in hang.synth.error.message

    crash = results["c-crash"]
    assert crash.outcome == "harness_error"
    assert crash.synth.error.error_class.value == "harness_error"
    assert "SIGKILL" in crash.synth.error.message

    raised = results["d-raise"]
    assert raised.outcome == "harness_error"
    assert "RuntimeError: toy pipeline raised on purpose" in raised.synth.error.message

    memory = results["e-memory"]
    assert memory.synth.error.error_class.value == "out_of_memory"
    assert memory.outcome == "model_error"

    nosynth = results["f-nosynth"]
    assert nosynth.outcome == "model_error"
    assert nosynth.synth.error.error_class.value == "syntax_error"


def test_pool_recycles_workers():
    specs = [_spec(f"r{i}", f"response {i}") for i in range(6)]
    results = _run(
        specs, PoolLimits(jobs=1, timeout=60, memory_mb=None, max_tasks_per_child=2)
    )
    pids = [results[f"r{i}"].settings["toy_pid"] for i in range(6)]
    assert len(set(pids)) == 3
    assert pids[0] == pids[1]
    assert pids[1] != pids[2]


def test_pool_rejects_zero_jobs():
    setup = WorkerSetup(
        token="t", task=TOY_TASK, settings=EvalSettings(task=TOY_TASK.id)
    )
    with pytest.raises(ValueError, match="jobs must be at least 1, got 0"):
        LocalPool(setup, PoolLimits(jobs=0))
