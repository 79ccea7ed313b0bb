"""evaluate_batch with the toy pipeline: inputs, durability, resume, aggregates."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from batch_support import TOY_TASK, toy_evaluate

from harness.batch import BatchOptions, Columns, evaluate_batch, pass_at_k
from harness.errors import ConfigError
from harness.pipeline import EvalSettings


def _markdown(directive: str) -> str:
    return f"# Response\n\n## File: app.py\n\n```python\n# {directive}\nprint('app')\n```\n"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "responses"
    folder.mkdir()
    (folder / "alpha.md").write_text(_markdown("TOY:FAIL=1"))
    (folder / "beta.md").write_text(_markdown("TOY:FAIL=2,3"))
    (folder / "gamma.md").write_text(_markdown("TOY:NOSYNTH"))
    project = folder / "delta"
    project.mkdir()
    (project / "app.py").write_text("# clean project\n")
    (project / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    rows = [
        {
            "id": "m1-p1-s1",
            "model": "m1",
            "prompt_id": "p1",
            "response": _markdown("ok"),
        },
        {
            "id": "m1-p1-s2",
            "model": "m1",
            "prompt_id": "p1",
            "response": _markdown("TOY:FAIL=3"),
        },
        {
            "id": "m1-p2-s1",
            "model": "m1",
            "prompt_id": "p2",
            "response": _markdown("TOY:FAIL=1"),
        },
        {
            "id": "m2-p1-s1",
            "model": "m2",
            "prompt_id": "p1",
            "response": _markdown("ok"),
        },
        {
            "id": "m2-p1-s2",
            "model": "m2",
            "prompt_id": "p1",
            "response": _markdown("ok"),
        },
        {
            "id": "m2-p2-s1",
            "model": "m2",
            "prompt_id": "p2",
            "response": "no code at all",
        },
    ]
    table = tmp_path / "samples.jsonl"
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    ideal = tmp_path / "ideal.md"
    ideal.write_text(_markdown("ideal"))
    return {"folder": folder, "table": table, "ideal": ideal}


def _run(inputs: dict[str, Path], run_dir: Path, **options):
    options.setdefault("jobs", 2)
    return evaluate_batch(
        [inputs["folder"], inputs["table"]],
        run_dir=run_dir,
        ideal=inputs["ideal"],
        task=TOY_TASK,
        evaluator=toy_evaluate,
        options=BatchOptions(timeout=60, **options),
    )


def test_batch_writes_results_and_aggregates(inputs, tmp_path):
    run_dir = tmp_path / "run"
    result = _run(inputs, run_dir)

    expected_ids = [
        "alpha",
        "beta",
        "delta",
        "gamma",
        "m1-p1-s1",
        "m1-p1-s2",
        "m1-p2-s1",
        "m2-p1-s1",
        "m2-p1-s2",
        "m2-p2-s1",
    ]
    assert list(result.scores["response_id"]) == expected_ids
    assert result.progress.evaluated == 10
    assert result.progress.reused == 0
    assert len(list((run_dir / "evaluations").glob("*.json"))) == 10
    index_lines = (run_dir / "index.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["id"] for line in index_lines) == expected_ids

    scores = pd.read_csv(run_dir / "scores.csv").set_index("response_id")
    assert scores.loc["alpha", "outcome"] == "fail"
    assert scores.loc["alpha", "failed_critical"] == 1
    assert scores.loc["beta", "score"] == pytest.approx(100 * 10 / 17, abs=0.01)
    assert scores.loc["delta", "outcome"] == "pass"
    assert scores.loc["gamma", "outcome"] == "model_error"
    assert scores.loc["gamma", "error_class"] == "syntax_error"
    assert scores.loc["gamma", "blame"] == "model"
    assert scores.loc["m1-p1-s1", "model"] == "m1"
    assert scores.loc["m2-p2-s1", "outcome"] == "pass"

    findings = pd.read_parquet(run_dir / "findings.parquet")
    assert len(findings) == 9 * 3
    alpha = findings[findings["response_id"] == "alpha"]
    assert list(alpha["item"]) == ["1", "2", "3"]
    assert list(alpha["status"]) == ["fail", "pass", "pass"]
    assert list(alpha["slug"]) == ["alpha", "beta", "gamma"]


def test_batch_leaderboard_values(inputs, tmp_path):
    result = _run(inputs, tmp_path / "run")
    board = pd.read_csv(tmp_path / "run" / "leaderboard.csv").set_index("model")

    assert list(board.index) == ["m1", "m2", "unknown"]
    m1_scores = [100.0, 100 * 15 / 17, 100 * 7 / 17]
    assert board.loc["m1", "mean_score"] == pytest.approx(sum(m1_scores) / 3, abs=0.01)
    assert board.loc["m1", "ci95_low"] < board.loc["m1", "mean_score"]
    assert board.loc["m1", "pass_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert board.loc["m1", "pass@1"] == pytest.approx((0.5 + 0.0) / 2, abs=1e-4)
    assert board.loc["m2", "pass@1"] == pytest.approx(1.0)
    assert math.isnan(board.loc["m1", "pass@5"])
    assert board.loc["m1", "fail_rate_1_alpha"] == pytest.approx(1 / 3, abs=1e-4)
    # gamma scores 0 as a model error; the other three unknown-model responses score
    # 100 * 7/17, 100 * 10/17 and 100.
    unknown = [100 * 7 / 17, 100 * 10 / 17, 100.0, 0.0]
    assert board.loc["unknown", "mean_score"] == pytest.approx(
        sum(unknown) / 4, abs=0.01
    )
    assert board.loc["unknown", "model_error_rate"] == pytest.approx(0.25)
    assert result.leaderboard.columns[0] == "model"


def test_batch_outputs_deterministic(inputs, tmp_path):
    _run(inputs, tmp_path / "one")
    _run(inputs, tmp_path / "two", jobs=1)
    for name in ("findings.csv", "scores.csv", "leaderboard.csv", "summary.md"):
        first = (tmp_path / "one" / name).read_text()
        second = (tmp_path / "two" / name).read_text()
        assert first == second, name


def test_batch_summary_and_manifest(inputs, tmp_path):
    run_dir = tmp_path / "run"
    _run(inputs, run_dir)
    summary = (run_dir / "summary.md").read_text()
    assert summary.startswith("# Batch summary: Toy task")
    assert "| model_error | 1 |" in summary
    assert "| syntax_error | model | 1 | `gamma` |" in summary
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["task"] == "toy-task"
    assert manifest["counts"]["total"] == 10
    assert manifest["counts"]["model_error"] == 1
    assert {"harness", "python", "cfn-lint", "node"} <= set(manifest["versions"])
    assert "aws-cdk-lib (python)" in manifest["versions"]
    kinds = sorted(item["kind"] for item in manifest["inputs"])
    assert kinds == ["folder", "jsonl"]
    assert all(len(item["sha256"]) == 64 for item in manifest["inputs"])
    assert manifest["ideal"]["content_hash"]


def test_batch_resume_reuses_matching_results(inputs, tmp_path):
    run_dir = tmp_path / "run"
    _run(inputs, run_dir)
    lines_before = (run_dir / "index.jsonl").read_text().splitlines()

    again = _run(inputs, run_dir, resume=True)
    assert again.progress.reused == 10
    assert again.progress.evaluated == 0
    assert (run_dir / "index.jsonl").read_text().splitlines() == lines_before

    (inputs["folder"] / "alpha.md").write_text(_markdown("TOY:FAIL=2"))
    changed = _run(inputs, run_dir, resume=True)
    assert changed.progress.evaluated == 1
    assert changed.scores.set_index("response_id").loc["alpha", "failed_high"] == 1


def test_batch_resume_reruns_on_new_settings(inputs, tmp_path):
    run_dir = tmp_path / "run"
    _run(inputs, run_dir)
    result = evaluate_batch(
        [inputs["folder"], inputs["table"]],
        run_dir=run_dir,
        ideal=inputs["ideal"],
        task=TOY_TASK,
        settings=EvalSettings(task=TOY_TASK.id, region="eu-west-1"),
        evaluator=toy_evaluate,
        options=BatchOptions(jobs=2, resume=True),
    )
    assert result.progress.evaluated == 10
    assert result.progress.reused == 0


def test_batch_rejects_existing_run_without_resume(inputs, tmp_path):
    run_dir = tmp_path / "run"
    _run(inputs, run_dir)
    with pytest.raises(ConfigError, match="already has results; pass --resume"):
        _run(inputs, run_dir)


def test_batch_adopts_result_without_index_line(inputs, tmp_path):
    run_dir = tmp_path / "run"
    _run(inputs, run_dir)
    index = run_dir / "index.jsonl"
    lines = index.read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["id"] != "beta"]
    index.write_text("\n".join(kept) + "\n" + '{"id": "torn')
    result = _run(inputs, run_dir, resume=True)
    assert result.progress.reused == 10
    assert result.progress.evaluated == 0


def test_batch_harness_errors_rerun_on_resume(inputs, tmp_path):
    (inputs["folder"] / "epsilon.md").write_text(_markdown("TOY:RAISE"))
    run_dir = tmp_path / "run"
    first = _run(inputs, run_dir)
    assert first.progress.harness_errors == 1
    assert first.scores.set_index("response_id").loc["epsilon", "blame"] == "harness"
    second = _run(inputs, run_dir, resume=True)
    assert second.progress.evaluated == 1
    assert second.progress.reused == 10


def test_batch_table_columns_configurable(tmp_path):
    table = tmp_path / "rows.csv"
    pd.DataFrame(
        {
            "key": ["x", "y"],
            "completion": [_markdown("ok"), _markdown("TOY:FAIL=1")],
            "llm": ["a", "b"],
        }
    ).to_csv(table, index=False)
    result = evaluate_batch(
        [table],
        run_dir=tmp_path / "run",
        ideal=None,
        task=TOY_TASK,
        evaluator=toy_evaluate,
        columns=Columns(id="key", text="completion", model="llm"),
    )
    scores = result.scores.set_index("response_id")
    assert list(scores.index) == ["x", "y"]
    assert scores.loc["y", "model"] == "b"


def test_batch_rejects_missing_text_column(tmp_path):
    table = tmp_path / "rows.jsonl"
    table.write_text('{"id": "a", "text": "hello"}\n')
    with pytest.raises(ConfigError, match="no response-text column 'response'"):
        evaluate_batch(
            [table], run_dir=tmp_path / "run", task=TOY_TASK, evaluator=toy_evaluate
        )


def test_batch_rejects_duplicate_ids(tmp_path):
    table = tmp_path / "rows.jsonl"
    row = json.dumps({"id": "same", "response": "x"})
    table.write_text(row + "\n" + row + "\n")
    with pytest.raises(ConfigError, match="duplicate response id 'same'"):
        evaluate_batch(
            [table], run_dir=tmp_path / "run", task=TOY_TASK, evaluator=toy_evaluate
        )


def test_batch_glob_ids_keep_relative_path(tmp_path):
    for name in ("one", "two"):
        folder = tmp_path / "corpus" / name
        folder.mkdir(parents=True)
        (folder / "MODEL_RESPONSE.md").write_text(_markdown("ok"))
    result = evaluate_batch(
        [str(tmp_path / "corpus" / "*" / "MODEL_RESPONSE.md")],
        run_dir=tmp_path / "run",
        task=TOY_TASK,
        evaluator=toy_evaluate,
    )
    assert list(result.scores["response_id"]) == [
        "one/MODEL_RESPONSE",
        "two/MODEL_RESPONSE",
    ]
    stored = sorted(p.name for p in (tmp_path / "run" / "evaluations").glob("*.json"))
    prefixes = ("one_MODEL_RESPONSE-", "two_MODEL_RESPONSE-")
    assert all(name.startswith(prefixes) for name in stored)


def test_pass_at_k_matches_definition():
    assert pass_at_k(10, 0, 1) == 0.0
    assert pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    # 1 - C(3, 2) / C(5, 2) = 1 - 3/10
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(4, 1, 4) == 1.0
    with pytest.raises(ValueError, match="k=6 must be between 1"):
        pass_at_k(5, 1, 6)


def test_batch_copies_duplicate_content(tmp_path):
    texts = {"first": _markdown("TOY:FAIL=2"), "second": _markdown("TOY:FAIL=2")}
    result = evaluate_batch(
        texts=texts, run_dir=tmp_path / "run", task=TOY_TASK, evaluator=toy_evaluate
    )
    index = [json.loads(line) for line in (tmp_path / "run" / "index.jsonl").open()]
    by_id = {entry["id"]: entry for entry in index}
    assert by_id["first"]["copy_of"] is None
    assert by_id["second"]["copy_of"] == "first"
    copy = result.evaluation("second")
    assert copy.response.id == "second"
    assert copy.synth.cache_hit is True
    assert [f.status.value for f in copy.findings] == ["pass", "fail", "pass"]
    scores = result.scores.set_index("response_id")
    assert scores.loc["second", "score"] == scores.loc["first", "score"]


def test_batch_exports_resolve():
    import harness.batch

    for name in harness.batch.__all__:
        assert getattr(harness.batch, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        harness.batch.missing  # noqa: B018


def test_mean_interval_clipped_to_bounds():
    from harness.batch import mean_interval

    values = pd.Series([100.0, 100.0, 40.0])
    mean, low, high = mean_interval(values)
    assert mean == pytest.approx(80.0)
    assert high > 100.0
    mean, low, high = mean_interval(values, bounds=(0.0, 100.0))
    assert high == 100.0
    assert 0.0 <= low < mean
    assert math.isnan(mean_interval(pd.Series([50.0]))[1])


def test_batch_rejects_locked_run_directory(inputs, tmp_path):
    import os

    from harness.batch._store import RunStore

    run_dir = tmp_path / "run"
    with RunStore(run_dir).locked(), pytest.raises(
        ConfigError, match=f"another batch \\(process {os.getpid()}\\)"
    ):
        _run(inputs, run_dir)
    result = _run(inputs, run_dir)
    assert result.progress.evaluated == 10
