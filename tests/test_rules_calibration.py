"""The rules on real syntheses: the ideal, the flawed model response, one
variant per taxonomy item, and configured Lambda apps for item 18.

Every response goes through the harness's own ingest and synthesis.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from harness.findings import Finding, Status
from harness.ingest import ingest
from harness.rules_engine import run_rules
from harness.synth import SynthSettings, synthesize
from harness.tasks.pci_payment_vpc import TASK
from harness.taxonomy import RuleContext
from harness.template import TemplateModel

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
IDEAL = REPO / "responses" / "ideal"
MODEL = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
LAMBDA_APPS = Path(__file__).resolve().parent / "fixtures" / "templates" / "lambda_apps"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> SynthSettings:
    return SynthSettings(cache_dir=tmp_path_factory.mktemp("synth-cache"))


def evaluate(path: Path, settings: SynthSettings) -> dict[str, Finding]:
    """Ingest, synthesize and check one response; map item id to its finding."""
    project = ingest(path)
    synth = synthesize(project, settings)
    assert synth.ok, synth.error

    def resynth(env, context):
        changed = dataclasses.replace(settings, extra_env=env, extra_context=context)
        return synthesize(project, changed)

    model = TemplateModel.from_synth(synth, settings.region, settings.account)
    findings = run_rules(TASK, RuleContext(project, synth, model, resynth))
    return {finding.item: finding for finding in findings}


def failed(findings: dict[str, Finding]) -> list[str]:
    return [item for item, f in findings.items() if f.status is Status.FAIL]


def expected_failures(flaw: str) -> list[str]:
    roots = [item.id for item in TASK.items if flaw in item.consequence_of]
    return [item.id for item in TASK.items if item.id in {flaw, *roots}]


def test_ideal_passes_every_item(settings):
    if not IDEAL.is_dir():
        pytest.skip("responses/ideal is absent")
    findings = evaluate(IDEAL, settings)
    statuses = {item: f.status for item, f in findings.items()}
    assert [i for i, s in statuses.items() if s is not Status.PASS] == ["18"]
    assert statuses["18"] is Status.NOT_APPLICABLE


def test_model_response_fails_items_1_to_17(settings):
    if not MODEL.is_file():
        pytest.skip("responses/model/MODEL_RESPONSE.md is absent")
    findings = evaluate(MODEL, settings)
    assert failed(findings) == [str(n) for n in range(1, 18)]
    assert findings["18"].status is Status.NOT_APPLICABLE
    assert findings["12"].consequence_of == ("4",)
    assert findings["13"].consequence_of == ("10",)


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Path]:
    if not IDEAL.is_dir():
        pytest.skip("responses/ideal is absent")
    from harness.tasks.pci_payment_vpc.variants import make_all_variants

    return make_all_variants(IDEAL, tmp_path_factory.mktemp("variants") / "all")


@pytest.mark.parametrize("flaw", [item.id for item in TASK.items])
def test_variant_fails_its_item_only(flaw, variants, settings):
    findings = evaluate(variants[flaw], settings)
    assert failed(findings) == expected_failures(flaw)
    errors = [item for item, f in findings.items() if f.status is Status.ERROR]
    assert errors == []


def test_lambda_following_setting_passes(settings):
    findings = evaluate(LAMBDA_APPS / "configured", settings)
    assert findings["18"].status is Status.PASS
    assert "with 37: 37" in findings["18"].actual


def test_lambda_ignoring_setting_fails(settings):
    findings = evaluate(LAMBDA_APPS / "ignored", settings)
    finding = findings["18"]
    assert finding.status is Status.FAIL
    assert [e.logical_id for e in finding.evidence] == ["Worker11F36D0F"]
    assert "ignores LAMBDA_RESERVED_CONCURRENCY=37" in finding.evidence[0].note
