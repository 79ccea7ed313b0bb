"""The main job end to end: bundled responses, TypeScript twins, CLI and tables."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from harness.errors import ConfigError
from harness.pipeline import (
    EvalSettings,
    evaluate_path,
    evaluate_project,
    evaluate_to_directory,
)
from harness.evaluation import ResponseInfo
from harness.findings import Status
from harness.ingest import ingest
from harness.tasks.pci_payment_vpc import TASK
from harness.taxonomy import Task

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
IDEAL = REPO / "responses" / "ideal"
MODEL = REPO / "responses" / "model"
TS = Path(__file__).resolve().parent / "fixtures" / "typescript"
RESPONSES = Path(__file__).resolve().parent / "fixtures" / "responses"
ALL_ITEMS = [str(n) for n in range(1, 19)]


def statuses(evaluation) -> dict[str, str]:
    return {f.item: f.status.value for f in evaluation.findings}


def failed(evaluation) -> list[str]:
    return [f.item for f in evaluation.findings if f.status is Status.FAIL]


@pytest.fixture(scope="module")
def bundled_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("results")
    model, ideal = evaluate_to_directory(MODEL, output, ideal=IDEAL)
    return output, model, ideal


def test_bundled_ideal_scores_100(bundled_run):
    _, _, ideal = bundled_run
    assert ideal.outcome == "pass"
    assert failed(ideal) == []
    assert statuses(ideal)["18"] == "not_applicable"
    assert ideal.score["score"] == 100.0
    assert ideal.score["complete"] is True


def test_bundled_model_fails_items_1_to_17(bundled_run):
    _, model, _ = bundled_run
    assert model.outcome == "fail"
    assert failed(model) == ALL_ITEMS[:17]
    assert statuses(model)["18"] == "not_applicable"
    assert model.score["score"] == 0.0
    assert model.score["failures_by_severity"]["critical"] == 5


def test_bundled_model_has_an_attributed_diff(bundled_run):
    _, model, _ = bundled_run
    assert model.diff is not None
    assert model.diff["entries"]


def test_results_tables_have_a_row_per_item(bundled_run):
    output, _, _ = bundled_run
    findings = pd.read_csv(output / "findings.csv", dtype={"item": str})
    assert len(findings) == 2 * 18
    assert set(findings["response_id"]) == {"ideal", "model"}
    parquet = pd.read_parquet(output / "findings.parquet")
    assert parquet["status"].tolist() == findings["status"].tolist()
    scores = pd.read_csv(output / "scores.csv").set_index("response_id")
    assert scores.loc["ideal", "score"] == 100.0
    assert scores.loc["model", "failed_critical"] == 5


def test_results_write_reports(bundled_run):
    output, _, _ = bundled_run
    for stem in ("model", "ideal"):
        for suffix in (".md", ".json", ".sarif"):
            assert (output / "reports" / f"{stem}{suffix}").exists()


def test_evaluation_document_round_trips(bundled_run):
    output, model, _ = bundled_run
    data = json.loads((output / "evaluations" / "model.json").read_text())
    assert data["outcome"] == model.outcome
    assert [f["item"] for f in data["findings"]] == ALL_ITEMS


@pytest.mark.parametrize(
    ("python_twin", "ts_twin"), [(IDEAL, "ideal.md"), (MODEL, "model.md")]
)
def test_typescript_twin_matches_python(python_twin, ts_twin):
    python_eval = evaluate_path(python_twin)
    ts_eval = evaluate_path(TS / ts_twin)
    assert ts_eval.synth.language == "typescript"
    assert python_eval.synth.language == "python"
    assert statuses(ts_eval) == statuses(python_eval)


@pytest.mark.parametrize("variant", ["renamed", "max-azs"])
def test_correct_variants_pass_everything(variant):
    evaluation = evaluate_path(RESPONSES / variant)
    assert failed(evaluation) == []
    assert statuses(evaluation)["1"] == "pass"
    assert statuses(evaluation)["2"] == "pass"


class _BrokenRule:
    item_id = "6"

    def check(self, ctx):
        raise RuntimeError("rule crashed")


def test_rule_crash_is_a_harness_error_not_a_failure():
    rules = dict(TASK.rules)
    rules["6"] = _BrokenRule()
    task = Task(id=TASK.id, title=TASK.title, items=TASK.items, rules=rules)
    project = ingest(IDEAL)
    info = ResponseInfo("ideal", str(IDEAL), project.kind, project.content_hash())
    evaluation = evaluate_project(project, info=info, task=task)
    assert statuses(evaluation)["6"] == "error"
    assert evaluation.outcome == "harness_error"
    assert evaluation.score["score"] == 100.0
    assert evaluation.score["complete"] is False


def test_weights_change_the_score(tmp_path):
    from harness.tasks.pci_payment_vpc.variants import make_variant

    readme_flaw = make_variant("16", IDEAL, tmp_path / "flaw-16")
    default = evaluate_path(readme_flaw)
    assert failed(default) == ["16"]
    assert default.score["score"] == pytest.approx(100 * (1 - 2 / 98), abs=0.01)
    free = evaluate_path(readme_flaw, settings=EvalSettings(weights={"medium": 0.0}))
    assert free.score["score"] == 100.0


def test_root_causes_only_drops_consequences():
    evaluation = evaluate_path(MODEL, settings=EvalSettings(root_causes_only=True))
    consequences = [f.item for f in evaluation.findings if f.consequence_of]
    assert "12" in consequences
    assert "13" in consequences
    assert set(evaluation.score["consequence_failures"]) >= {"12", "13"}


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


def test_cli_exit_status_follows_outcome(tmp_path):
    model_run = _cli(
        "evaluate",
        str(MODEL),
        "--ideal",
        str(IDEAL),
        "-o",
        str(tmp_path / "m"),
        cwd=REPO,
    )
    assert model_run.returncode == 1, model_run.stderr
    assert "nat-gateway-per-az" in model_run.stdout
    ideal_run = _cli(
        "evaluate", str(IDEAL), "-o", str(tmp_path / "i"), "--no-report", cwd=REPO
    )
    assert ideal_run.returncode == 0, ideal_run.stderr


def test_cli_rejects_a_bad_weight(tmp_path):
    run = _cli(
        "evaluate",
        str(IDEAL),
        "--weight",
        "critical=lots",
        "-o",
        str(tmp_path),
        cwd=REPO,
    )
    assert run.returncode == 2
    assert "critical=lots" in run.stderr


def test_cli_weights_file(tmp_path):
    weights = tmp_path / "weights.yaml"
    weights.write_text("critical: 1\nhigh: 1\nmedium: 100\n")
    run = _cli(
        "evaluate",
        str(MODEL),
        "--weights-file",
        str(weights),
        "-o",
        str(tmp_path / "r"),
        "--no-report",
        cwd=REPO,
    )
    assert run.returncode == 1
    scores = pd.read_csv(tmp_path / "r" / "scores.csv")
    assert scores["score"].tolist() == [0.0]
    document = json.loads((tmp_path / "r" / "evaluations" / "model.json").read_text())
    assert document["score"]["weights"]["medium"] == 100.0


def test_deployability_cache_returns_same_findings(tmp_path, monkeypatch):
    import harness.synth

    monkeypatch.setattr(harness.synth, "harness_home", lambda: tmp_path)
    fresh = evaluate_path(TS / "model.md", settings=EvalSettings(use_cache=False))
    assert fresh.synth.ok
    first = evaluate_path(TS / "model.md")
    second = evaluate_path(TS / "model.md")
    assert [d.to_dict() for d in first.deploy] == [d.to_dict() for d in fresh.deploy]
    assert [d.to_dict() for d in second.deploy] == [d.to_dict() for d in fresh.deploy]
    assert len(list((tmp_path / "deploy").glob("*.json"))) == 1


def test_unsynthesized_response_scores_zero(tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(IDEAL, broken)
    app = broken / "app.py"
    app.write_text('raise RuntimeError("app refuses to start")\n' + app.read_text())
    evaluation = evaluate_path(broken)
    assert evaluation.outcome == "model_error"
    assert evaluation.score["score"] == 0.0
    assert evaluation.score["deploy_score"] is None
    assert statuses(evaluation)["1"] == "fail"
    assert statuses(evaluation)["18"] == "fail"
    assert statuses(evaluation)["16"] == "pass"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weights": {"extreme": 1.0}}, "unknown severity"),
        ({"weights": {"critical": -1.0}}, "finite number >= 0"),
        ({"weights": {"critical": float("nan")}}, "finite number >= 0"),
        (
            {"weights": {s: 0.0 for s in ("critical", "high", "medium", "low")}},
            "weighs 0",
        ),
        ({"timeout": 0}, "invalid timeout"),
        ({"region": "mars-1"}, "invalid region"),
    ],
)
def test_invalid_settings_are_rejected(changes, message):
    with pytest.raises(ConfigError, match=message):
        EvalSettings(**changes)


def test_generic_document_named_after_folder(tmp_path):
    output = tmp_path / "results"
    model, _ = evaluate_to_directory(MODEL / "MODEL_RESPONSE.md", output, report=False)
    assert model.response.id == "model"
    assert model.response.source.endswith("MODEL_RESPONSE.md")


def test_tables_cover_every_evaluation(tmp_path):
    output = tmp_path / "results"
    evaluate_to_directory(MODEL, output, report=False)
    evaluate_to_directory(TS / "model.md", output, report=False)
    scores = pd.read_csv(output / "scores.csv")
    assert scores["response_id"].tolist() == ["model"]
    evaluate_to_directory(RESPONSES / "renamed", output, report=False)
    scores = pd.read_csv(output / "scores.csv")
    assert sorted(scores["response_id"]) == ["model", "renamed"]
