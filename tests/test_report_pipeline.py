"""Reports on real evaluations: the bundled model and ideal, and a TypeScript response.

Each response is synthesized once per module. Every line number a report cites
is checked against the response text, in the extracted file and in the
markdown document.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import report_support as support

from harness.pipeline import EvalSettings, evaluate_ideal, evaluate_path
from harness.findings import Status
from harness.report import build_report, render_markdown, render_sarif, write_reports
from harness.sourcemap import Citation, citation_problems
from harness.taxonomy import load_task

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
IDEAL = REPO / "responses" / "ideal"
TYPESCRIPT_MODEL = REPO / "tests" / "fixtures" / "typescript" / "model.md"
TEMPLATE_MODEL = REPO / "tests" / "fixtures" / "cfn" / "model.md"
TASK_ID = "pci-payment-vpc"


@pytest.fixture(scope="module")
def task():
    return load_task(TASK_ID)


@pytest.fixture(scope="module")
def ideal_eval():
    return evaluate_ideal(IDEAL, EvalSettings(task=TASK_ID))


@pytest.fixture(scope="module")
def model_eval(ideal_eval):
    return evaluate_path(MODEL, ideal=ideal_eval, settings=EvalSettings(task=TASK_ID))


@pytest.fixture(scope="module")
def typescript_eval(ideal_eval):
    if not TYPESCRIPT_MODEL.exists():
        pytest.skip("the TypeScript model fixture is not in this checkout")
    return evaluate_path(
        TYPESCRIPT_MODEL, ideal=ideal_eval, settings=EvalSettings(task=TASK_ID)
    )


@pytest.fixture(scope="module")
def template_eval():
    if not TEMPLATE_MODEL.exists():
        pytest.skip("the CloudFormation model fixture is not in this checkout")
    return evaluate_path(TEMPLATE_MODEL, settings=EvalSettings(task=TASK_ID))


def _all_citations(report: dict, model, ideal):
    """Yield (project, citation) for every excerpt of a report's failures."""
    for failure in report["failures"]:
        for data in failure["citations"]:
            yield model.project, Citation.from_dict(data)
        for data in (failure["fix"] or {}).get("citations", []):
            yield ideal.project, Citation.from_dict(data)


def test_bundled_model_fails_items(model_eval):
    failed = sorted(
        (f.item for f in model_eval.findings if f.status is Status.FAIL), key=int
    )
    assert failed == [str(n) for n in range(1, 18)]


def test_bundled_report_section_per_item(model_eval, ideal_eval, task):
    markdown = render_markdown(model_eval, task, ideal_eval)
    for number in range(1, 18):
        item = task.item(str(number))
        assert f"### {number}. {item.title} (`{item.slug}`)" in markdown
    assert "### 18." not in markdown


def test_bundled_report_summary(model_eval, ideal_eval, task):
    summary = build_report(model_eval, task, ideal_eval)["summary"]
    expected = {"critical": 0, "high": 0, "medium": 0, "low": 0}
    for number in range(1, 18):
        expected[task.item(str(number)).severity.value] += 1
    assert summary["failed"] == 17
    assert summary["by_severity"] == expected
    assert summary["knowledge_gaps"]


def test_bundled_citations_match_text(model_eval, ideal_eval, task):
    report = build_report(model_eval, task, ideal_eval)
    checked = 0
    for project, citation in _all_citations(report, model_eval, ideal_eval):
        assert citation_problems(project, citation) == [], citation
        checked += len(citation.lines)
    assert checked > 17


def test_bundled_citations_have_markdown_lines(model_eval, ideal_eval, task):
    report = build_report(model_eval, task, ideal_eval)
    for failure in report["failures"]:
        for data in failure["citations"]:
            for line in data["lines"]:
                assert line["markdown_line"] is not None, (failure["item"], line)


def test_bundled_markdown_excerpts_match(model_eval, ideal_eval, task):
    markdown = render_markdown(model_eval, task, ideal_eval)
    excerpts = support.cited_excerpts(markdown)
    model_excerpts = [e for e in excerpts if e["label"] == "Model response"]
    assert len(model_excerpts) >= 10
    for excerpt in excerpts:
        is_fix = excerpt["label"] == "Ideal response fix"
        project = ideal_eval.project if is_fix else model_eval.project
        assert support.check_excerpt(project, excerpt) == [], excerpt


def test_bundled_wrong_property_lines(model_eval, ideal_eval, task):
    report = build_report(model_eval, task, ideal_eval)
    by_item = {f["item"]: f for f in report["failures"]}
    for item, pattern in (("1", r"\bmax_azs=2\b"), ("2", r"\bnat_gateways=1\b")):
        texts = [
            line["text"] for c in by_item[item]["citations"] for line in c["lines"]
        ]
        assert any(re.search(pattern, text) for text in texts), (item, texts)


def test_bundled_fix_lines_from_ideal(model_eval, ideal_eval, task):
    report = build_report(model_eval, task, ideal_eval)
    with_fix = [f["item"] for f in report["failures"] if f["fix"]["citations"]]
    assert "1" in with_fix
    assert "3" in with_fix


def test_ideal_report_nothing_to_fix(ideal_eval, task):
    markdown = render_markdown(ideal_eval, task)
    assert "Nothing to fix" in markdown
    assert "## Deployability" in markdown
    assert "## Critical failures" not in markdown


def test_bundled_sarif_locations(model_eval, ideal_eval, task):
    log = json.loads(render_sarif(model_eval, task, ideal_eval))
    markdown_lines = model_eval.project.markdown.splitlines()
    results = [r for r in log["runs"][0]["results"] if r["ruleId"].isdigit()]
    assert sorted(int(r["ruleId"]) for r in results) == list(range(1, 18))
    for result in results:
        for location in result.get("locations", []):
            physical = location["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            line = physical["region"]["startLine"]
            if uri == MODEL.name:
                assert 1 <= line <= len(markdown_lines)
            else:
                assert 1 <= line <= len(model_eval.project.files[uri].text.splitlines())


def test_typescript_report_cites_both(typescript_eval, ideal_eval, task):
    report = build_report(typescript_eval, task, ideal_eval)
    cited = [
        Citation.from_dict(data)
        for failure in report["failures"]
        for data in failure["citations"]
        if data["lines"]
    ]
    assert cited
    assert any(c.language == "ts" for c in cited)
    for citation in cited:
        assert citation_problems(typescript_eval.project, citation) == []
        assert all(line.markdown_line is not None for line in citation.lines)


def test_typescript_wrong_property_lines(typescript_eval, ideal_eval, task):
    report = build_report(typescript_eval, task, ideal_eval)
    by_item = {f["item"]: f for f in report["failures"]}
    for item, pattern in (("1", r"\bmaxAzs: 2\b"), ("2", r"\bnatGateways: 1\b")):
        texts = [
            line["text"] for c in by_item[item]["citations"] for line in c["lines"]
        ]
        assert any(re.search(pattern, text) for text in texts), (item, texts)


def test_typescript_markdown_excerpts(typescript_eval, ideal_eval, task):
    markdown = render_markdown(typescript_eval, task, ideal_eval)
    excerpts = [
        e for e in support.cited_excerpts(markdown) if e["label"] == "Model response"
    ]
    assert any(e["file"].endswith(".ts") and e["md_first"] for e in excerpts)
    for excerpt in excerpts:
        assert support.check_excerpt(typescript_eval.project, excerpt) == []


def test_template_report_cites_yaml(template_eval, task):
    report = build_report(template_eval, task)
    cited = [
        Citation.from_dict(data)
        for failure in report["failures"]
        for data in failure["citations"]
        if data["lines"]
    ]
    assert report["failures"]
    assert any(c.language == "yaml" for c in cited)
    for citation in cited:
        assert citation_problems(template_eval.project, citation) == []


def test_cli_report_from_results(tmp_path, model_eval, ideal_eval, task):
    from typer.testing import CliRunner

    from harness.cli import _register_commands, app
    from harness.results import write_evaluation

    write_evaluation(model_eval, tmp_path)
    write_evaluation(ideal_eval, tmp_path)
    _register_commands()
    output = tmp_path / "out" / "analysis.md"
    result = CliRunner().invoke(app, ["report", str(tmp_path), "-o", str(output)])
    assert result.exit_code == 0, result.output
    expected = write_reports(model_eval, task, ideal_eval, tmp_path / "direct")
    assert output.read_text() == expected["markdown"].read_text()
    assert output.with_suffix(".json").exists()
    assert output.with_suffix(".sarif").exists()
