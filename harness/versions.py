"""Versions of the harness and of the tools whose output a result depends on."""

from __future__ import annotations

import functools
import json
import platform
import shutil
import subprocess
from importlib import metadata

import harness


@functools.cache
def collect() -> dict[str, str]:
    """Return the versions of the harness, aws-cdk-lib, node, cfn-lint and Python."""
    found = {
        "harness": harness.__version__,
        "python": platform.python_version(),
        "aws-cdk-lib (python)": _package_version("aws-cdk-lib"),
        "cfn-lint": _package_version("cfn-lint"),
        "node": _node_version(),
    }
    npm_cdk = _toolchain_cdk_version()
    if npm_cdk:
        found["aws-cdk-lib (npm)"] = npm_cdk
    return found


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "not installed"
    completed = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=10, check=False
    )
    return completed.stdout.strip().lstrip("v") or "unknown"


def _toolchain_cdk_version() -> str | None:
    try:
        from harness.synth import toolchain_dir
    except ImportError:
        return None
    directory = toolchain_dir()
    package = (
        directory / "node_modules" / "aws-cdk-lib" / "package.json"
        if directory
        else None
    )
    if package is None or not package.exists():
        return None
    return json.loads(package.read_text())["version"]
