"""The failure-analysis report on hand-made evaluations: sections, citations, twins."""

from __future__ import annotations

import json

import report_support as support

from harness.errors import ErrorClass, ResponseError
from harness.evaluation import Evaluation
from harness.findings import Finding, Status
from harness.report import build_report, render_json, render_markdown, write_reports
from harness.sourcemap import Citation, citation_problems


def _report():
    return build_report(
        support.model_evaluation(), support.task(), support.ideal_evaluation()
    )


def _markdown():
    return render_markdown(
        support.model_evaluation(), support.task(), support.ideal_evaluation()
    )


def test_title_names_task():
    markdown = _markdown()
    assert markdown.startswith("# Failure analysis: Toy payment VPC\n")


def test_summary_counts_by_severity():
    summary = _report()["summary"]
    assert summary["failed"] == 4
    assert summary["by_severity"] == {"critical": 2, "high": 1, "medium": 1, "low": 0}
    assert summary["not_applicable"] == 1


def test_knowledge_gaps_ordered_by_weight():
    gaps = _report()["summary"]["knowledge_gaps"]
    assert [g["category"] for g in gaps] == [
        "Logging",
        "High availability",
        "Developer experience",
    ]
    assert gaps[0]["items"] == ["3", "10"]
    assert gaps[0]["weight"] == 15.0


def test_knowledge_gaps_use_evaluation_weights():
    model = support.model_evaluation()
    model.settings["weights"] = {"critical": 1, "high": 1, "medium": 50}
    gaps = build_report(model, support.task())["summary"]["knowledge_gaps"]
    assert gaps[0]["category"] == "Developer experience"


def test_sections_grouped_by_severity():
    markdown = _markdown()
    critical = markdown.index("## Critical failures")
    high = markdown.index("## High failures")
    medium = markdown.index("## Medium failures")
    assert critical < markdown.index("### 1. Three availability zones") < high
    assert critical < markdown.index("### 3. VPC flow logs") < high
    assert high < markdown.index("### 10. Flow log retention") < medium
    assert medium < markdown.index("### 17. Package scripts")
    assert "### 18." not in markdown


def test_section_carries_taxonomy_text():
    markdown = _markdown()
    section = markdown[
        markdown.index("### 3. VPC flow logs") : markdown.index("## High failures")
    ]
    assert "**Impact level**: Critical" in section
    assert "<https://docs.aws.amazon.com/vpc/vpc-flow-logs.html>" in section
    assert "**Impact**: impact of vpc-flow-logs" in section
    assert "**Training value**: training value of vpc-flow-logs" in section
    assert "Expected: A flow log on the VPC. Found: No AWS::EC2::FlowLog." in section


def test_consequence_names_root_item():
    markdown = _markdown()
    section = markdown[markdown.index("### 10.") : markdown.index("## Medium failures")]
    assert "**Consequence of**: item 3 (VPC flow logs)" in section
    assert _report()["summary"]["consequences"] == ["10"]


def test_model_lines_in_typescript_fence():
    markdown = _markdown()
    section = markdown[markdown.index("### 1.") : markdown.index("### 3.")]
    model_at = section.index(
        "**Model response** (`lib/network-stack.ts` line 12, markdown line 19)"
    )
    assert section[model_at:].split("\n")[1] == "```ts"


def test_fix_lines_from_ideal():
    markdown = _markdown()
    section = markdown[markdown.index("### 3.") : markdown.index("## High failures")]
    assert "**Ideal response fix** (`lib/network_stack.py` lines" in section
    assert "```python" in section
    assert "traffic_type=ec2.FlowLogTrafficType.ALL," in section


def test_every_excerpt_matches_response():
    markdown = _markdown()
    model = support.model_evaluation()
    ideal = support.ideal_evaluation()
    excerpts = support.cited_excerpts(markdown)
    assert len(excerpts) >= 6
    for excerpt in excerpts:
        project = (
            ideal.project if excerpt["label"] == "Ideal response fix" else model.project
        )
        assert support.check_excerpt(project, excerpt) == [], excerpt


def test_json_citations_verify():
    report = _report()
    model = support.model_evaluation()
    ideal = support.ideal_evaluation()
    for failure in report["failures"]:
        for data in failure["citations"]:
            assert citation_problems(model.project, Citation.from_dict(data)) == []
        for data in failure["fix"]["citations"]:
            assert citation_problems(ideal.project, Citation.from_dict(data)) == []


def test_json_twin_has_same_sections():
    data = json.loads(
        render_json(
            support.model_evaluation(), support.task(), support.ideal_evaluation()
        )
    )
    assert [f["item"] for f in data["failures"]] == ["1", "3", "10", "17"]
    assert data["title"] == "Failure analysis: Toy payment VPC"
    for key in ("summary", "deploy", "diff", "score", "closing", "response", "ideal"):
        assert key in data
    assert data["response"]["source"] == "MODEL_RESPONSE.md"


def test_report_has_no_absolute_paths():
    text = render_json(
        support.model_evaluation(), support.task(), support.ideal_evaluation()
    )
    assert "/somewhere" not in text


def test_deploy_table_cites_site():
    markdown = _markdown()
    row = next(line for line in markdown.splitlines() if "| E3012 |" in line)
    assert "`lib/network-stack.ts`:10 (md 17)" in row
    assert row.startswith("| error | cfn-lint |")


def test_unexplained_diff_entries():
    report = _report()
    assert report["diff"]["unexplained"] == [
        {
            "kind": "changed",
            "section": "resources",
            "resource_type": "AWS::EC2::VPC",
            "role": "vpc",
            "ideal_element": "Vpc8378EB38",
            "model_element": "PaymentNet1A2B3C",
            "path": "Properties.CidrBlock",
            "change": "changed",
            "ideal_value": "10.0.0.0/16",
            "model_value": "10.1.0.0/16",
        }
    ]
    assert report["diff"]["by_item"] == {"3": 1}
    assert report["diff"]["explained_share"] == 0.5


def test_unexplained_diff_table():
    markdown = _markdown()
    row = next(line for line in markdown.splitlines() if line.startswith("| changed |"))
    assert (
        "The diff against the ideal has 2 entries, and the taxonomy explains 50%"
        in markdown
    )
    assert row == (
        "| changed | AWS::EC2::VPC | PaymentNet1A2B3C | vpc | Properties.CidrBlock "
        "| `10.0.0.0/16` | `10.1.0.0/16` |"
    )


def test_diff_with_attributed_to_and_list_paths():
    model = support.model_evaluation()
    model.diff = {
        "entries": [
            {"kind": "added", "path": ["Resources", "Extra"], "attributed_to": []},
            {"kind": "removed", "path": ["Outputs", "X"], "attributed_to": ["11"]},
        ],
        "explained_share": 0.5,
    }
    diff = build_report(model, support.task())["diff"]
    assert [e["path"] for e in diff["unexplained"]] == ["Resources.Extra"]
    assert diff["by_item"] == {"11": 1}
    assert diff["unknown_items"] == ["11"]
    assert diff["explained_share"] == 0.5


def test_ideal_report_says_nothing_to_fix():
    ideal = support.ideal_evaluation()
    ideal.deploy = support.model_evaluation().deploy
    markdown = render_markdown(ideal, support.task())
    assert "Nothing to fix" in markdown
    assert "## Critical failures" not in markdown
    assert "| E3012 |" in markdown


def test_ideal_failing_item_noted_in_fix():
    ideal = support.ideal_evaluation()
    ideal.findings[3] = Finding("17", Status.FAIL, actual="no scripts")
    report = build_report(support.model_evaluation(), support.task(), ideal)
    fix = report["failures"][-1]["fix"]
    assert fix["status"] == "fail"
    assert "own status on this item is fail" in fix["note"]


def test_without_ideal_no_fix_lines():
    markdown = render_markdown(support.model_evaluation(), support.task())
    assert "Ideal response fix" not in markdown
    assert "No diff" not in markdown


def test_synthesis_error_section_cites_line():
    model = support.model_evaluation()
    model.synth.error = ResponseError(
        ErrorClass.TYPE_ERROR,
        "Type 'string' is not assignable",
        file="lib/network-stack.ts",
        line=12,
    )
    model.findings = [Finding("1", Status.ERROR, message="no templates to check")]
    markdown = render_markdown(model, support.task())
    assert "## Synthesis failure" in markdown
    assert "**type_error**" in markdown
    assert "**Response** (`lib/network-stack.ts` line 12, markdown line 19)" in markdown
    assert "## Items the harness could not check" in markdown


def test_unknown_item_still_reported():
    model = support.model_evaluation()
    model.findings.append(Finding("99", Status.FAIL, actual="something"))
    report = build_report(model, support.task())
    assert report["failures"][-1]["item"] == "99"
    assert report["failures"][-1]["severity"] == "low"


def test_write_reports_files(tmp_path):
    paths = write_reports(
        support.model_evaluation(), support.task(), support.ideal_evaluation(), tmp_path
    )
    assert paths == {
        "markdown": tmp_path / "model.md",
        "json": tmp_path / "model.json",
        "sarif": tmp_path / "model.sarif",
    }
    assert paths["markdown"].read_text() == _markdown()
    assert json.loads(paths["json"].read_text())["failures"][0]["item"] == "1"
    assert json.loads(paths["sarif"].read_text())["version"] == "2.1.0"


def test_write_reports_stem(tmp_path):
    paths = write_reports(
        support.model_evaluation(), support.task(), None, tmp_path, stem="x"
    )
    assert paths["markdown"].name == "x.md"
    assert paths["sarif"].name == "x.sarif"


def test_report_same_after_json_round_trip():
    model = support.model_evaluation()
    ideal = support.ideal_evaluation()
    reloaded_model = Evaluation.from_dict(json.loads(model.to_json()))
    reloaded_ideal = Evaluation.from_dict(json.loads(ideal.to_json()))
    direct = render_markdown(model, support.task(), ideal)
    reloaded = render_markdown(reloaded_model, support.task(), reloaded_ideal)
    assert reloaded == direct


def test_report_without_project_files():
    model = support.model_evaluation()
    model.project = None
    report = build_report(model, support.task())
    citations = report["failures"][0]["citations"]
    assert [c["kind"] for c in citations] == ["absent"]
    assert "no project files" in citations[0]["note"]
    assert report["deploy"][0]["site"] is None


def test_harness_error_section():
    model = support.model_evaluation()
    model.synth.error = ResponseError(
        ErrorClass.HARNESS_ERROR, "the harness failed during rules: KeyError: 'x'"
    )
    model.settings["failed_stage"] = "rules"
    model.findings = []
    markdown = render_markdown(model, support.task())
    assert "## Harness failure" in markdown
    assert "The harness failed during rules (**harness_error**)" in markdown
    assert "## Synthesis failure" not in markdown
    assert "the harness did not finish" in markdown


def test_deploy_checks_not_run():
    model = support.model_evaluation()
    model.deploy = []
    model.settings["deployability"] = False
    markdown = render_markdown(model, support.task())
    assert "The deployability checks did not run" in markdown
    model.settings["deployability"] = True
    assert "found nothing" in render_markdown(model, support.task())
