"""Hermetic synthesis of CDK responses (TypeScript or Python) to CloudFormation.

`synthesize(project, settings)` runs the response's app in a temporary copy in
a contained subprocess with no AWS credentials and, where the kernel allows,
no network. It fills in context lookups offline and caches results by content.
"""

from harness.synth._process import Limits, ProcessOutcome, run_contained
from harness.synth._settings import SynthSettings
from harness.synth._synthesize import synthesize
from harness.synth._toolchain import (
    Toolchain,
    find_toolchain,
    harness_home,
    install,
    toolchain_dir,
)

__all__ = [
    "Limits",
    "ProcessOutcome",
    "SynthSettings",
    "Toolchain",
    "find_toolchain",
    "harness_home",
    "install",
    "run_contained",
    "synthesize",
    "toolchain_dir",
]
