"""Every rule of pci-payment-vpc against its pass and fail fixtures.

Each fixture names the exact logical IDs (or files and lines) the finding's
evidence must list, in order.
"""

from __future__ import annotations

import pytest
from rule_fixture_support import evidence_names, rule_fixtures

from harness._synth_result import SynthResult
from harness.errors import ErrorClass, ResponseError
from harness.findings import Status
from harness.tasks.pci_payment_vpc import TASK

FIXTURES = rule_fixtures()
RULES_BY_MODULE = {
    type(rule).__module__.rsplit(".", 1)[-1]: rule for rule in TASK.rules.values()
}


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_rule_on_fixture(fixture):
    rule = RULES_BY_MODULE[fixture.rule_module]
    finding = rule.check(fixture.context())
    assert finding.item == rule.item_id
    assert finding.status is Status(fixture.expect["status"]), finding
    assert evidence_names(finding) == fixture.expect.get("evidence", [])
    assert list(finding.consequence_of) == fixture.expect.get("consequence_of", [])


def test_lambda_rule_failed_resynthesis_is_error():
    fixture = next(
        f for f in FIXTURES if f.name == "r18_lambda_reserved_concurrency/pass"
    )
    ctx = fixture.context()
    error = ResponseError(ErrorClass.APP_EXCEPTION, "int() argument must be a string")
    ctx.resynth = lambda env, context: SynthResult("python", "app.py", error=error)
    finding = TASK.rules["18"].check(ctx)
    assert finding.status is Status.ERROR
    assert "failed: int() argument must be a string" in finding.message


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_finding_states_expected_and_actual(fixture):
    rule = RULES_BY_MODULE[fixture.rule_module]
    finding = rule.check(fixture.context())
    assert finding.expected
    if finding.status in (Status.PASS, Status.FAIL):
        assert finding.actual
    if finding.status is Status.ERROR:
        assert finding.message
