"""The environment a response runs in, built from an allow-list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.synth._settings import SynthSettings

JSII_SILENCE = {
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
}
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
HEAP_SHARE = 0.75
STACK_TRACE_LIMIT = 100
CONTEXT_ENV_MAX_BYTES = 32 * 1024


def heap_mb(settings: SynthSettings) -> int:
    """Return node's --max-old-space-size: a share of the memory limit."""
    return int(settings.memory_mb * HEAP_SHARE)


def run_environment(
    settings: SynthSettings,
    node_bin_dir: str,
    run_dir: Path,
    outdir: Path,
    context: dict[str, Any],
) -> dict[str, str]:
    """Return the complete environment of an app run; nothing is inherited.

    CDK_VALIDATION=false skips aws-cdk-lib's built-in template validator:
    templates are byte-identical with it on, only validation-report.json is
    not written, and the harness runs its own deployability checks.
    AWS_EC2_METADATA_DISABLED keeps any AWS SDK from probing the instance
    metadata address.
    """
    env = {
        "PATH": f"{node_bin_dir}:{SYSTEM_PATH}",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(run_dir / "home"),
        "TMPDIR": str(run_dir / "tmp"),
        **settings.extra_env,
        **JSII_SILENCE,
        "AWS_EC2_METADATA_DISABLED": "true",
        "CDK_DEFAULT_ACCOUNT": settings.account,
        "CDK_DEFAULT_REGION": settings.region,
        "CDK_OUTDIR": str(outdir),
        **_context_variables(context, run_dir),
        "CDK_VALIDATION": "false",
        "NODE_OPTIONS": (
            f"--max-old-space-size={heap_mb(settings)} "
            f"--stack-trace-limit={STACK_TRACE_LIMIT}"
        ),
    }
    return env


def _context_variables(context: dict[str, Any], run_dir: Path) -> dict[str, str]:
    """Return the variables that pass `context` to the app.

    A large context goes into a file named by CONTEXT_OVERFLOW_LOCATION_ENV,
    which aws-cdk-lib's App reads as the CDK CLI's overflow file, because one
    environment string may not exceed 128 KiB on Linux.
    """
    text = json.dumps(context, sort_keys=True)
    if len(text.encode()) <= CONTEXT_ENV_MAX_BYTES:
        return {"CDK_CONTEXT_JSON": text}
    overflow = run_dir / "context.json"
    overflow.write_text(text)
    return {"CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow)}


def typescript_environment(base: dict[str, str], node_modules: Path) -> dict[str, str]:
    """Return `base` plus the module path that resolves imports from the toolchain."""
    return {**base, "NODE_PATH": str(node_modules)}


def python_environment(base: dict[str, str], jsii_cache: Path) -> dict[str, str]:
    """Return `base` plus the jsii settings a Python app needs.

    JSII_HOST_STACK_TRACES makes creation stacks carry Python frames, and the
    shared package cache saves jsii unpacking aws-cdk-lib on every run.
    """
    return {
        **base,
        "JSII_HOST_STACK_TRACES": "1",
        "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(jsii_cache),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
