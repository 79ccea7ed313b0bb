#!/usr/bin/env python3
"""CDK entry point: one PCI DSS payment VPC stack per environment suffix."""

import os
import re

import aws_cdk as cdk

from lib.payment_vpc_stack import PaymentVpcStack

SUFFIX_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")

app = cdk.App()

environment_suffix = app.node.try_get_context("environmentSuffix") or "dev"
if not SUFFIX_PATTERN.match(str(environment_suffix)):
    raise ValueError(
        f"invalid environmentSuffix {environment_suffix!r}: use 1-20 lowercase "
        "letters, digits or hyphens, e.g. `cdk deploy -c environmentSuffix=pr42`"
    )

PaymentVpcStack(
    app,
    f"PaymentVpcStack-{environment_suffix}",
    environment_suffix=environment_suffix,
    env=cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
        region=os.environ.get("CDK_DEFAULT_REGION"),
    ),
    description=f"PCI DSS network foundation for payment processing ({environment_suffix})",
)

app.synth()
