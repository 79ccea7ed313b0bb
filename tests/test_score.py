"""Weighted scores, weight configuration and the deployability sub-score."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.findings import DeployFinding, Finding, Severity, Status
from harness.score import DEPLOY_PENALTIES, Weights, deploy_score, load_weights, score
from harness.taxonomy import Item


def item(item_id: str, severity: str) -> Item:
    return Item(
        item_id, f"slug-{item_id}", Severity(severity), "t", "c", "r.", "u", "i", "v"
    )


ITEMS = [
    item("1", "critical"),
    item("2", "high"),
    item("3", "medium"),
    item("4", "high"),
]


def finding(item_id: str, status: str, *roots: str) -> Finding:
    return Finding(item_id, Status(status), consequence_of=roots)


def test_all_pass_scores_100():
    result = score([finding(i.id, "pass") for i in ITEMS], ITEMS)
    assert result["score"] == 100.0
    assert result["complete"] is True
    assert result["status_counts"] == {
        "pass": 4,
        "fail": 0,
        "not_applicable": 0,
        "error": 0,
    }


def test_failures_weighted_by_severity():
    findings = [
        finding("1", "fail"),
        finding("2", "pass"),
        finding("3", "fail"),
        finding("4", "pass"),
    ]
    result = score(findings, ITEMS)
    assert result["failed_weight"] == 12.0
    assert result["applicable_weight"] == 22.0
    assert result["score"] == round(100 * (1 - 12 / 22), 2)
    assert result["failures_by_severity"] == {
        "critical": 1,
        "high": 0,
        "medium": 1,
        "low": 0,
    }
    assert result["failed_items"] == ["1", "3"]


def test_not_applicable_leaves_denominator():
    findings = [
        finding("1", "pass"),
        finding("2", "fail"),
        finding("3", "not_applicable"),
        finding("4", "not_applicable"),
    ]
    result = score(findings, ITEMS)
    assert result["applicable_weight"] == 15.0
    assert result["score"] == round(100 * (1 - 5 / 15), 2)


def test_error_never_lowers_score():
    findings = [
        finding("1", "pass"),
        finding("2", "error"),
        finding("3", "pass"),
        finding("4", "pass"),
    ]
    result = score(findings, ITEMS)
    assert result["score"] == 100.0
    assert result["complete"] is False
    assert result["errors"] == ["2"]
    assert result["applicable_weight"] == 17.0


def test_consequences_count_by_default():
    findings = [
        finding("1", "fail"),
        finding("2", "fail", "1"),
        finding("3", "pass"),
        finding("4", "pass"),
    ]
    result = score(findings, ITEMS)
    assert result["failed_weight"] == 15.0
    assert result["consequence_failures"] == ["2"]
    assert result["failures_by_severity"]["high"] == 1


def test_root_causes_only_drops_consequences():
    findings = [
        finding("1", "fail"),
        finding("2", "fail", "1"),
        finding("3", "pass"),
        finding("4", "pass"),
    ]
    result = score(findings, ITEMS, root_causes_only=True)
    assert result["failed_weight"] == 10.0
    assert result["applicable_weight"] == 17.0
    assert result["failures_by_severity"]["high"] == 0
    assert result["failed_items"] == ["1"]
    assert result["root_causes_only"] is True


def test_nothing_applicable_scores_none():
    result = score([finding("1", "not_applicable")], ITEMS)
    assert result["score"] is None


def test_custom_weights_change_score():
    findings = [finding("1", "fail"), finding("3", "pass")]
    result = score(findings, ITEMS, Weights(critical=1, medium=3))
    assert result["score"] == 75.0
    assert result["weights"]["critical"] == 1.0


def test_unknown_item_raises():
    with pytest.raises(ConfigError, match="unknown item '99'"):
        score([finding("99", "pass")], ITEMS)


def test_default_weights():
    assert Weights().to_dict() == {
        "critical": 10.0,
        "high": 5.0,
        "medium": 2.0,
        "low": 1.0,
    }


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("w.toml", "[weights]\ncritical = 20\nlow = 0\n"),
        ("w.yaml", "critical: 20\nlow: 0\n"),
        ("w.json", '{"weights": {"critical": 20, "low": 0}}'),
    ],
)
def test_load_weights_formats(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    weights = load_weights(path)
    assert weights.critical == 20.0
    assert weights.low == 0.0
    assert weights.high == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("severe: 3\n", "unknown severity 'severe'"),
        ("high: many\n", "weight of high must be a number"),
        ("medium: -1\n", "weight of medium must be >= 0"),
        ("- 1\n- 2\n", "must map severities to numbers"),
        ("critical: [\n", "invalid weights file"),
    ],
)
def test_load_weights_rejects_bad_values(tmp_path, text, message):
    path = tmp_path / "weights.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_weights(path)


def test_load_weights_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read weights file"):
        load_weights(tmp_path / "absent.toml")


def deploy(source: str, level: str = "error") -> DeployFinding:
    return DeployFinding(source=source, rule="R", level=level, message="m")


def test_deploy_score_penalties():
    assert deploy_score([]) == 100.0
    findings = [
        deploy("cfn-lint"),
        deploy("cfn-lint", "warning"),
        deploy("api-constraint"),
    ]
    expected = 100 - DEPLOY_PENALTIES["cfn-lint"] - DEPLOY_PENALTIES["api-constraint"]
    assert deploy_score(findings) == expected


def test_deploy_score_floor_and_override():
    assert deploy_score([deploy("api-constraint")] * 5) == 0.0
    assert deploy_score([deploy("cfn-lint")], {"cfn-lint": 1}) == 99.0


def test_deploy_score_unknown_source():
    with pytest.raises(ConfigError, match="no deploy penalty for source 'guess'"):
        deploy_score([deploy("guess")])
