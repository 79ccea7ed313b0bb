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
NO_RESYNTH = (
    f"not checked: the response cannot be synthesized again with {ENV_VAR} set "
    "(a CloudFormation template has no app to rerun)"
)
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
                message=NO_RESYNTH,
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

        configured = TemplateModel.from_synth(
            second, ctx.model.region, ctx.model.account
        )
        with_setting = {
            f.key: f.reserved_concurrency for f in configured.lambda_functions
        }
        evidence = _evidence(ctx.model, functions, with_setting)
        actual = _describe(functions, with_setting)
        return result(self.item_id, not evidence, expected, actual, evidence)


def _evidence(
    model: TemplateModel, functions: list[LambdaFunction], with_setting: dict
) -> list[Evidence]:
    evidence = []
    for function in functions:
        problem = _problem(function, with_setting.get(function.key, "absent"))
        if problem:
            path = "ReservedConcurrentExecutions"
            evidence.append(model.evidence(function.key, problem, path))
    return evidence


def _describe(functions: list[LambdaFunction], with_setting: dict) -> str:
    """Return text such as "2 functions; unset: absent; with 37: 37"."""
    unset = {_text(f.reserved_concurrency) for f in functions}
    configured = {_text(with_setting.get(f.key)) for f in functions}
    return (
        f"{count(len(functions), 'function')}; unset: {listing(unset)}; "
        f"with {SETTING}: {listing(configured)}"
    )


def _text(value: object) -> str:
    return "absent" if value is None else render(value)


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
