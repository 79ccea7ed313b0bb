"""Item 18: Lambda reserved concurrency follows configuration, not code.

The first synthesis (`ctx.synth`) runs in the harness's scrubbed environment,
where LAMBDA_RESERVED_CONCURRENCY is unset. A second one sets it and the
`lambdaReservedConcurrency` context value to SETTING. Every
function the response defines must lack ReservedConcurrentExecutions in the
first and carry SETTING in the second. Functions that aws-cdk-lib adds for
its own custom resources are left out, since the response does not configure
them.
"""

from __future__ import annotations

import re

from harness.findings import Evidence, Finding, Status
from harness.tasks.pci_payment_vpc._checks import count, listing, result
from harness.taxonomy import RuleContext
from harness.template import LambdaFunction, TemplateModel, render

ENV_VAR = "LAMBDA_RESERVED_CONCURRENCY"
CONTEXT_KEY = "lambdaReservedConcurrency"
SETTING = 37
# Construct IDs that aws-cdk-lib gives the functions of its own providers:
# `Custom::...Provider` and singleton functions named by a 32-digit hex UUID.
_FRAMEWORK_SEGMENT = re.compile(r"^(Custom::|.*[0-9a-f]{32}$)")


class LambdaReservedConcurrency:
    item_id = "18"
    slug = "lambda-reserved-concurrency"

    def check(self, ctx: RuleContext) -> Finding:
        expected = (
            f"no ReservedConcurrentExecutions without {ENV_VAR}; "
            f"{SETTING} with {ENV_VAR}={SETTING}"
        )
        functions = _own_functions(ctx.model)
        if not functions:
            return Finding(
                self.item_id, Status.NOT_APPLICABLE, expected, "no Lambda function"
            )
        if ctx.resynth is None:
            return Finding(
                self.item_id,
                Status.ERROR,
                expected,
                message="cannot synthesize again to vary the setting; rerun with synthesis enabled",
            )
        second = ctx.resynth({ENV_VAR: str(SETTING)}, {CONTEXT_KEY: SETTING})
        if not second.ok:
            reason = second.error.message if second.error else "no templates"
            return Finding(
                self.item_id,
                Status.ERROR,
                expected,
                message=f"synthesis with {ENV_VAR}={SETTING} failed: {reason}",
            )
        configured = TemplateModel(second.stacks, ctx.model.region, ctx.model.account)
        set_values = {
            f.key: f.reserved_concurrency for f in configured.lambda_functions
        }
        evidence: list[Evidence] = []
        for function in functions:
            problem = _problem(function, set_values.get(function.key, "absent"))
            if problem:
                evidence.append(
                    ctx.model.evidence(
                        function.key, problem, "ReservedConcurrentExecutions"
                    )
                )
        hard_coded = [f for f in functions if f.reserved_concurrency is not None]
        actual = (
            f"{count(len(functions), 'function')}; unset: "
            f"{listing(render(f.reserved_concurrency) for f in hard_coded) if hard_coded else 'absent'}"
            f"; with {SETTING}: {listing({render(v) for v in set_values.values()})}"
        )
        return result(self.item_id, not evidence, expected, actual, evidence)


def _own_functions(model: TemplateModel) -> list[LambdaFunction]:
    # NOTE: framework functions are recognized by construct path only. A
    # synthesis without construct paths counts every function as the response's.
    own = []
    for function in model.lambda_functions:
        path = model.construct_path(function.stack, function.logical_id) or ""
        if not any(_FRAMEWORK_SEGMENT.match(part) for part in path.split("/")):
            own.append(function)
    return own


def _problem(function: LambdaFunction, configured: object) -> str:
    if function.reserved_concurrency is not None:
        return f"ReservedConcurrentExecutions {render(function.reserved_concurrency)} without {ENV_VAR}"
    if configured in (None, "absent"):
        return f"ignores {ENV_VAR}={SETTING}"
    if str(render(configured)) != str(SETTING):
        return f"ReservedConcurrentExecutions {render(configured)} with {ENV_VAR}={SETTING}"
    return ""


RULE = LambdaReservedConcurrency()
