"""Fill jsii's package cache and runtime index for aws-cdk-lib, then exit.

Usage: python warm_py.py   (JSII_RUNTIME_PACKAGE_CACHE_ROOT and CDK_OUTDIR set)
jsii builds the runtime index in a worker thread after the first load. A
short app run exits before the thread finishes and loses the index, and
without it every Python synthesis takes seconds longer. The script exits 0
once the installed version's index exists and 1 if it did not appear
within the wait.
"""

import glob
import os
import sys
import time
from importlib.metadata import version

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2

WAIT_SECONDS = 120
# The index of the installed version: an index of another version left in
# the cache must not end the wait early.
INDEX_GLOB = os.path.join(
    "aws-cdk-lib", version("aws-cdk-lib"), "*", ".jsii.runtime.v*.json"
)


def main():
    app = cdk.App()
    stack = cdk.Stack(app, "Warm")
    ec2.Vpc(stack, "Vpc")
    app.synth()
    root = os.environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if glob.glob(os.path.join(root, INDEX_GLOB)):
            return 0
        time.sleep(0.2)
    return 1


if __name__ == "__main__":
    sys.exit(main())
