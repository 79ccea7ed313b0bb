"""A batch of 60+ responses through the real pipeline, with aggregates checked.

The batch contains the single-flaw variants of the ideal, the bundled ideal and
model responses, the corpus responses (when the corpus is present), and a
JSONL of samples from three models on two prompts. The aggregates are
recomputed here from the stored Evaluation documents and compared.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from batch_support import CORPUS, IDEAL_DIR, MODEL_MARKDOWN, project_markdown

from harness.batch import BatchOptions, evaluate_batch, pass_at_k
from harness.evaluation import Evaluation

pytestmark = pytest.mark.slow

# Per model and prompt, the samples' texts: "ideal" passes, the others fail.
SAMPLES = {
    "model-a": {
        "p1": ["ideal", "ideal", "ideal", "v13", "none"],
        "p2": ["ideal"] + ["v4"] * 4,
    },
    "model-b": {"p1": ["v13"] * 5, "p2": ["ideal", "v4", "v13", "none", "none"]},
    "model-c": {"p1": ["ideal"] * 5, "p2": ["ideal", "ideal", "v4", "v4", "v13"]},
}


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory) -> dict:
    from harness.tasks.pci_payment_vpc.variants import make_all_variants

    root = tmp_path_factory.mktemp("batch60")
    variants = make_all_variants(IDEAL_DIR, root / "variants")
    texts = {
        "ideal": project_markdown(IDEAL_DIR),
        "v13": project_markdown(variants["13"]),
        "v4": project_markdown(variants["4"]),
        "none": "I would build this with three subnets, but here is no code.",
    }
    rows = []
    for model, prompts in SAMPLES.items():
        for prompt, kinds in prompts.items():
            for number, kind in enumerate(kinds, start=1):
                rows.append(
                    {
                        "id": f"{model}/{prompt}/{number}",
                        "model": model,
                        "prompt_id": prompt,
                        "response": texts[kind],
                    }
                )
    table = root / "samples.jsonl"
    table.write_text("".join(json.dumps(row) + "\n" for row in rows))
    inputs = [str(root / "variants"), str(IDEAL_DIR), str(MODEL_MARKDOWN), str(table)]
    if CORPUS.is_dir():
        inputs.append(str(CORPUS / "*" / "*" / "MODEL_RESPONSE.md"))
        inputs.append(str(CORPUS / "*" / "*" / "IDEAL_RESPONSE.md"))
    return {"inputs": inputs, "variants": sorted(variants), "rows": len(rows)}


@pytest.fixture(scope="module")
def batch_result(batch_inputs, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("batch60-run") / "run"
    result = evaluate_batch(
        batch_inputs["inputs"],
        run_dir=run_dir,
        ideal=IDEAL_DIR,
        options=BatchOptions(jobs=2),
    )
    return result


def test_batch_covers_every_response(batch_inputs, batch_result):
    expected = len(batch_inputs["variants"]) + 2 + batch_inputs["rows"]
    if CORPUS.is_dir():
        expected += len(list(CORPUS.glob("*/*/MODEL_RESPONSE.md")))
        expected += len(list(CORPUS.glob("*/*/IDEAL_RESPONSE.md")))
        assert expected >= 60
    scores = batch_result.scores
    assert len(scores) == expected
    assert scores["response_id"].is_unique
    assert list(scores["response_id"]) == sorted(scores["response_id"])
    harness_errors = scores[scores["outcome"] == "harness_error"]
    assert harness_errors.empty, harness_errors[
        ["response_id", "error_class"]
    ].to_string()


def test_batch_ideal_and_variants(batch_inputs, batch_result):
    scores = batch_result.scores.set_index("response_id")
    assert scores.loc["ideal", "outcome"] == "pass"
    assert scores.loc["ideal", "score"] == 100.0
    findings = batch_result.findings
    for item in batch_inputs["variants"]:
        rows = findings[findings["response_id"] == f"item-{item}"]
        status = rows.set_index("item").loc[item, "status"]
        assert status == "fail", f"variant item-{item} does not fail item {item}"
        assert scores.loc[f"item-{item}", "score"] < 100.0


def test_batch_tables_match_evaluations(batch_result):
    run_dir = batch_result.run_dir
    scores = pd.read_parquet(run_dir / "scores.parquet").set_index("response_id")
    findings = pd.read_parquet(run_dir / "findings.parquet")
    for path in sorted((run_dir / "evaluations").glob("*.json")):
        evaluation = Evaluation.load(path)
        response_id = evaluation.response.id
        assert scores.loc[response_id, "outcome"] == evaluation.outcome
        stored_score = evaluation.score.get("score")
        if stored_score is not None:
            assert scores.loc[response_id, "score"] == pytest.approx(stored_score)
        rows = findings[findings["response_id"] == response_id]
        assert sorted(zip(rows["item"], rows["status"])) == sorted(
            (f.item, f.status.value) for f in evaluation.findings
        )


def test_batch_leaderboard_matches_scores(batch_result):
    board = pd.read_csv(batch_result.run_dir / "leaderboard.csv").set_index("model")
    scores = batch_result.scores
    for model in ("model-a", "model-b", "model-c"):
        rows = scores[
            (scores["model"] == model) & (scores["outcome"] != "harness_error")
        ]
        values = [
            0.0 if outcome == "model_error" else score
            for outcome, score in zip(rows["outcome"], rows["score"])
        ]
        assert board.loc[model, "responses"] == 10
        assert board.loc[model, "mean_score"] == pytest.approx(
            sum(values) / 10, abs=1e-3
        )
        assert board.loc[model, "ci95_low"] <= board.loc[model, "mean_score"]
        passes = (rows["outcome"] == "pass").sum()
        assert board.loc[model, "pass_rate"] == pytest.approx(passes / 10, abs=1e-4)


def test_batch_pass_at_k_from_construction(batch_result):
    board = pd.read_csv(batch_result.run_dir / "leaderboard.csv").set_index("model")
    for model, prompts in SAMPLES.items():
        counts = [(len(kinds), kinds.count("ideal")) for kinds in prompts.values()]
        for k in (1, 5):
            expected = sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)
            assert board.loc[model, f"pass@{k}"] == pytest.approx(expected, abs=1e-4)
        assert math.isnan(board.loc[model, "pass@10"])
    # model-a, prompt p1: 3 of 5 pass, so pass@1 = 0.6; prompt p2: 1 of 5, so 0.2.
    assert board.loc["model-a", "pass@1"] == pytest.approx(0.4)


def test_batch_duplicates_are_copied(batch_result):
    index = [json.loads(line) for line in (batch_result.run_dir / "index.jsonl").open()]
    samples = [entry for entry in index if entry["id"].startswith("model-")]
    evaluated = [entry for entry in samples if not entry.get("copy_of")]
    # The JSONL contains 30 rows made of 4 distinct texts, so at most 4 are evaluated.
    assert len(samples) == 30
    assert len(evaluated) <= 4


def test_batch_manifest_and_summary(batch_result):
    manifest = json.loads((batch_result.run_dir / "manifest.json").read_text())
    assert manifest["counts"]["total"] == len(batch_result.scores)
    assert manifest["versions"]["aws-cdk-lib (python)"] == "2.275.0"
    assert "aws-cdk-lib (npm)" in manifest["versions"]
    assert manifest["ideal"]["path"] == str(IDEAL_DIR)
    summary = (batch_result.run_dir / "summary.md").read_text()
    assert "| model-a | 10 |" in summary
    assert "| harness_error | 0 |" in summary
    assert Path(batch_result.run_dir / "findings.csv").exists()
