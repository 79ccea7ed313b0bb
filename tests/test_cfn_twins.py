"""The CloudFormation twins of the PCI task against their CDK counterparts.

The CloudFormation ideal and model (tests/fixtures/cfn) are complete projects
like the CDK ideal (responses/ideal) and model (responses/model): template,
unit tests, README and, for the ideal, a Makefile. Each pair must get the same
verdict on every taxonomy item. A template response must diff against a CDK
ideal, and the other way round. The report on the template model must cite
lines whose text matches both the template file and the markdown document.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.pipeline import EvalSettings, evaluate_ideal, evaluate_path
from harness.evaluation import Evaluation
from harness.findings import Status
from harness.report import build_report, render_markdown
from harness.sourcemap import Citation, citation_problems, verify_citation
from harness.taxonomy import load_task

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CDK_IDEAL = REPO / "responses" / "ideal"
CDK_MODEL = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
CFN_IDEAL = REPO / "tests" / "fixtures" / "cfn" / "ideal.md"
CFN_MODEL = REPO / "tests" / "fixtures" / "cfn" / "model.md"
TASK_ID = "pci-payment-vpc"
TEMPLATE_FILE = "lib/TapStack.yml"
# The items a template can fail. Items 15-17 check project files, 18 a Lambda.
TEMPLATE_ITEMS = [str(number) for number in range(1, 15)]
# A caption of a rendered excerpt: "**Model response** (`lib/TapStack.yml`
# lines 10-12, markdown lines 17-19), ...:" followed by a fenced block.
_CAPTION = re.compile(
    r"^\*\*(?P<label>[^*]+)\*\* \(`(?P<file>[^`]+)` lines? (?P<first>\d+)"
    r"(?:-(?P<last>\d+))?, markdown lines? (?P<markdown_first>\d+)"
    r"(?:-(?P<markdown_last>\d+))?\)"
)
_FENCE = re.compile(r"^(`{3,})")


def _settings() -> EvalSettings:
    return EvalSettings(task=TASK_ID)


@pytest.fixture(scope="module")
def task():
    return load_task(TASK_ID)


@pytest.fixture(scope="module")
def cdk_ideal() -> Evaluation:
    return evaluate_ideal(CDK_IDEAL, _settings())


@pytest.fixture(scope="module")
def cfn_ideal() -> Evaluation:
    return evaluate_ideal(CFN_IDEAL, _settings())


@pytest.fixture(scope="module")
def cdk_model(cdk_ideal) -> Evaluation:
    return evaluate_path(CDK_MODEL, ideal=cdk_ideal, settings=_settings())


@pytest.fixture(scope="module")
def cfn_model(cfn_ideal) -> Evaluation:
    return evaluate_path(CFN_MODEL, ideal=cfn_ideal, settings=_settings())


@pytest.fixture(scope="module")
def cfn_model_on_cdk_ideal(cdk_ideal) -> Evaluation:
    return evaluate_path(CFN_MODEL, ideal=cdk_ideal, settings=_settings())


@pytest.fixture(scope="module")
def cdk_model_on_cfn_ideal(cfn_ideal) -> Evaluation:
    return evaluate_path(CDK_MODEL, ideal=cfn_ideal, settings=_settings())


def _statuses(evaluation: Evaluation) -> dict[str, str]:
    return {finding.item: finding.status.value for finding in evaluation.findings}


def _failing(evaluation: Evaluation) -> set[str]:
    return {f.item for f in evaluation.findings if f.status is Status.FAIL}


def _attributed_items(evaluation: Evaluation) -> set[str]:
    assert evaluation.diff is not None
    return {item for entry in evaluation.diff["entries"] for item in entry["items"]}


def test_twins_are_template_responses(cfn_ideal, cfn_model):
    for evaluation in (cfn_ideal, cfn_model):
        assert evaluation.synth.ok, evaluation.synth.error
        assert evaluation.synth.language == "cloudformation"
        assert evaluation.synth.entry == TEMPLATE_FILE


def test_ideal_twins_same_statuses(cdk_ideal, cfn_ideal):
    assert cdk_ideal.outcome == "pass"
    assert cfn_ideal.outcome == "pass"
    assert _statuses(cfn_ideal) == _statuses(cdk_ideal)


def test_model_twins_same_statuses(cdk_model, cfn_model):
    assert _statuses(cfn_model) == _statuses(cdk_model)
    assert _failing(cfn_model) == {str(number) for number in range(1, 18)}


def test_model_twins_same_consequences(cdk_model, cfn_model):
    cdk = {f.item: f.consequence_of for f in cdk_model.findings}
    cfn = {f.item: f.consequence_of for f in cfn_model.findings}
    assert cfn == cdk


def test_cfn_model_diffs_against_cdk_ideal(cfn_model_on_cdk_ideal):
    evaluation = cfn_model_on_cdk_ideal
    assert evaluation.diff is not None, evaluation.synth.error
    summary = evaluation.diff["summary"]
    assert summary["entries"] > 0
    assert 0.0 < summary["explained_share"] <= 1.0
    # Measured 0.67 of 79 entries. The rest are the CDK ideal's per-subnet
    # public route tables, its subnet CIDRs and CDK-only properties such as
    # InstanceTenancy, which no taxonomy item covers.
    assert summary["explained_share"] >= 0.5
    attributed = _attributed_items(evaluation)
    for item in TEMPLATE_ITEMS:
        assert item in attributed, f"no diff entry attributed to item {item}"


def test_cdk_model_diffs_against_cfn_ideal(cdk_model_on_cfn_ideal):
    evaluation = cdk_model_on_cfn_ideal
    assert evaluation.diff is not None, evaluation.synth.error
    summary = evaluation.diff["summary"]
    assert summary["entries"] > 0
    assert 0.0 < summary["explained_share"] <= 1.0
    # Measured 0.72 of 64 entries. The ideal's S3 endpoint names its service
    # with `!Sub 'com.amazonaws.${AWS::Region}.s3'`, which the diff resolves.
    assert summary["explained_share"] >= 0.5
    attributed = _attributed_items(evaluation)
    for item in TEMPLATE_ITEMS:
        assert item in attributed, f"no diff entry attributed to item {item}"


@pytest.mark.parametrize(
    "name", ["cfn_model_on_cdk_ideal", "cdk_model_on_cfn_ideal", "cfn_model"]
)
def test_diff_attributes_failing_items_only(request, name):
    evaluation = request.getfixturevalue(name)
    attributed = _attributed_items(evaluation)
    assert attributed
    assert attributed <= _failing(evaluation)


def test_cross_diff_keeps_verdicts(cfn_model, cfn_model_on_cdk_ideal):
    assert _statuses(cfn_model_on_cdk_ideal) == _statuses(cfn_model)


def test_report_citations_match_text(cfn_model, cfn_ideal, task):
    report = build_report(cfn_model, task, cfn_ideal)
    checked = {"model": 0, "ideal": 0}
    for failure in report["failures"]:
        sides = [("model", cfn_model, failure["citations"])]
        if failure["fix"] is not None:
            sides.append(("ideal", cfn_ideal, failure["fix"]["citations"]))
        for side, evaluation, citations in sides:
            project = evaluation.project
            for data in citations:
                citation = Citation.from_dict(data)
                where = f"item {failure['item']}, {side}"
                assert citation_problems(project, citation) == [], where
                assert verify_citation(project, citation), where
                if citation.file == TEMPLATE_FILE:
                    checked[side] += 1
    assert checked["model"] > 0
    assert checked["ideal"] > 0


def test_report_cites_ideal_outputs(cfn_model, cfn_ideal, task):
    """The ideal's fix for each output item cites lines of its template."""
    report = build_report(cfn_model, task, cfn_ideal)
    output_items = {"11", "12", "13", "14"}
    fixes = {f["item"]: f["fix"] for f in report["failures"]}
    assert output_items <= set(fixes)
    for item in sorted(output_items):
        citations = [Citation.from_dict(data) for data in fixes[item]["citations"]]
        assert citations, f"item {item}: {fixes[item]['note']}"
        for citation in citations:
            assert citation.file == TEMPLATE_FILE, item
            assert verify_citation(cfn_ideal.project, citation), item


def test_report_template_lines_match(cfn_model, cfn_ideal, task):
    """Each rendered excerpt's lines equal the cited file and markdown lines."""
    rendered = render_markdown(cfn_model, task, cfn_ideal)
    projects = {
        "Model response": cfn_model.project,
        "Ideal response fix": cfn_ideal.project,
    }
    excerpts = list(_rendered_excerpts(rendered))
    cited_files = {(label, file) for label, file, _, _, _ in excerpts}
    assert ("Model response", TEMPLATE_FILE) in cited_files
    assert ("Ideal response fix", TEMPLATE_FILE) in cited_files
    for label, file, first, markdown_first, lines in excerpts:
        project = projects[label]
        file_lines = project.files[file].text.splitlines()
        markdown_lines = project.markdown.splitlines()
        for offset, text in enumerate(lines):
            where = f"{label} {file}:{first + offset}"
            assert file_lines[first + offset - 1] == text, where
            assert markdown_lines[markdown_first + offset - 1] == text, where


def _rendered_excerpts(rendered: str):
    """Yield (label, file, first line, first markdown line, excerpt lines) for
    every captioned excerpt of a rendered report."""
    lines = rendered.splitlines()
    for index, line in enumerate(lines):
        caption = _CAPTION.match(line)
        if caption is None:
            continue
        opening = _FENCE.match(lines[index + 1])
        assert opening is not None, f"no excerpt after caption: {line}"
        fence = opening.group(1)
        body = []
        for text in lines[index + 2 :]:
            if text == fence:
                break
            body.append(text)
        first = int(caption["first"])
        last = int(caption["last"] or first)
        markdown_first = int(caption["markdown_first"])
        markdown_last = int(caption["markdown_last"] or markdown_first)
        assert len(body) == last - first + 1, line
        assert len(body) == markdown_last - markdown_first + 1, line
        yield caption["label"], caption["file"], first, markdown_first, body
