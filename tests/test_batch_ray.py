"""The Ray executor gives the same results as the local executor."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest
from batch_support import IDEAL_DIR, MODEL_MARKDOWN

from harness.batch import BatchOptions, evaluate_batch

if importlib.util.find_spec("ray") is None:
    pytest.skip("the ray extra is not installed", allow_module_level=True)

pytestmark = [pytest.mark.slow, pytest.mark.ray]

# Columns that measure the run rather than the response.
RUN_COLUMNS = ["synth_seconds", "cache_hit"]


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    from harness.tasks.pci_payment_vpc.variants import make_variant

    root = tmp_path_factory.mktemp("ray") / "responses"
    for item in ("3", "10", "18"):
        make_variant(item, IDEAL_DIR, root / f"item-{item}")
    return [str(root), str(IDEAL_DIR), str(MODEL_MARKDOWN)]


@pytest.fixture(scope="module")
def ray_instance():
    """Start one local Ray instance for the module, whose workers can import tests/."""
    from harness.batch._ray import start_ray

    tests_dir = str(Path(__file__).resolve().parent)
    python_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [tests_dir, python_path]))
    ray = start_ray(num_cpus=2)
    yield ray
    ray.shutdown()
    if python_path is None:
        os.environ.pop("PYTHONPATH")
    else:
        os.environ["PYTHONPATH"] = python_path


def test_ray_matches_local_executor(responses, tmp_path, ray_instance):
    results = {}
    for executor in ("local", "ray"):
        results[executor] = evaluate_batch(
            responses,
            run_dir=tmp_path / executor,
            ideal=IDEAL_DIR,
            options=BatchOptions(jobs=2, executor=executor),
        )

    local, remote = results["local"], results["ray"]
    assert remote.progress.harness_errors == 0
    assert len(remote.scores) == 5
    pd.testing.assert_frame_equal(local.findings, remote.findings)
    pd.testing.assert_frame_equal(
        local.scores.drop(columns=RUN_COLUMNS), remote.scores.drop(columns=RUN_COLUMNS)
    )
    pd.testing.assert_frame_equal(local.leaderboard, remote.leaderboard)
    for name in ("findings.csv", "leaderboard.csv", "summary.md"):
        assert (tmp_path / "local" / name).read_text() == (
            tmp_path / "ray" / name
        ).read_text()


def test_ray_timeout_and_crash_recorded(tmp_path, ray_instance):
    from batch_support import TOY_TASK, toy_evaluate

    texts = {
        "hang": "## File: app.py\n\n```python\n# TOY:HANG\n```\n",
        "crash": "## File: app.py\n\n```python\n# TOY:CRASH\n```\n",
        "fine": "## File: app.py\n\n```python\n# TOY:FAIL=2\n```\n",
    }
    result = evaluate_batch(
        texts=texts,
        run_dir=tmp_path / "run",
        task=TOY_TASK,
        evaluator=toy_evaluate,
        options=BatchOptions(jobs=2, executor="ray", timeout=5),
    )
    scores = result.scores.set_index("response_id")
    assert scores.loc["hang", "error_class"] == "timeout"
    assert scores.loc["crash", "error_class"] == "harness_error"
    assert scores.loc["crash", "outcome"] == "harness_error"
    assert scores.loc["fine", "outcome"] == "fail"


def test_ray_missing_names_extra(monkeypatch):
    import builtins

    from harness.batch._ray import import_ray
    from harness.errors import ToolchainError

    real_import = builtins.__import__

    def import_without_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", import_without_ray)
    with pytest.raises(ToolchainError, match=r"pip install 'iac-harness\[ray\]'"):
        import_ray()
