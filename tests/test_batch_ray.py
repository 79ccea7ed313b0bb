"""The Ray executor gives the same results as the local executor."""

from __future__ import annotations

import pandas as pd
import pytest
from batch_support import IDEAL_DIR, MODEL_MARKDOWN

from harness.batch import BatchOptions, evaluate_batch

pytest.importorskip("ray")

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


def test_ray_matches_local_executor(responses, tmp_path):
    import ray

    results = {}
    for executor in ("local", "ray"):
        if executor == "ray":
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            results[executor] = evaluate_batch(
                responses,
                run_dir=tmp_path / executor,
                ideal=IDEAL_DIR,
                options=BatchOptions(jobs=2, executor=executor),
            )
        finally:
            if executor == "ray":
                ray.shutdown()

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
