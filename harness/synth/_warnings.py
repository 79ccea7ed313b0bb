"""Warnings about a response that do not stop its synthesis."""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness._project import Project
from harness.synth._process import ProcessOutcome
from harness.synth._toolchain import python_cdk_version

REQUIREMENT = re.compile(r"^\s*aws-cdk-lib\s*(?P<spec>[=<>!~][^;#\s]*)", re.MULTILINE)
DEPRECATION = re.compile(
    r"^\[WARNING\] aws-cdk-lib\S* is deprecated\.?.*$", re.MULTILINE
)
AGNOSTIC = "aws://unknown-account/unknown-region"


def version_pin_warnings(project: Project, npm_cdk_version: str) -> list[str]:
    """Warn where the response pins an aws-cdk-lib other than the harness's."""
    warnings = []
    for path, source in sorted(project.files.items()):
        name = Path(path).name
        if name == "package.json":
            warnings.extend(_package_json_pins(path, source.text, npm_cdk_version))
        elif name in ("requirements.txt", "setup.py", "pyproject.toml", "Pipfile"):
            warnings.extend(_python_pins(path, source.text))
    return warnings


def _package_json_pins(path: str, text: str, npm_cdk_version: str) -> list[str]:
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError:
        return [f"{path} is not valid JSON; its dependencies were not checked"]
    if not isinstance(manifest, dict):
        return []
    warnings = []
    for section in ("dependencies", "devDependencies", "peerDependencies"):
        deps = manifest.get(section)
        if not isinstance(deps, dict):
            continue
        pinned = deps.get("aws-cdk-lib")
        if isinstance(pinned, str) and pinned.lstrip("^~=v") != npm_cdk_version:
            warnings.append(
                f"{path} requests aws-cdk-lib {pinned}; "
                f"synthesized with {npm_cdk_version}"
            )
        v1 = sorted(name for name in deps if name.startswith("@aws-cdk/"))
        if v1 and "aws-cdk-lib" not in deps:
            warnings.append(
                f"{path} depends on CDK v1 packages {v1}; the harness runs CDK v2"
            )
    return warnings


def _python_pins(path: str, text: str) -> list[str]:
    installed = python_cdk_version()
    warnings = []
    for match in REQUIREMENT.finditer(text):
        spec = match.group("spec")
        if installed and spec.lstrip("=~") != installed:
            warnings.append(
                f"{path} requests aws-cdk-lib{spec}; synthesized with {installed}"
            )
    return warnings


def force_commonjs(project_dir: Path) -> list[str]:
    """Drop `"type": "module"` from package.json files of the copy; warn for each.

    The harness compiles every file to CommonJS, which node would refuse to
    load as .js under a package marked as ES modules.
    """
    warnings = []
    for manifest_path in sorted(project_dir.rglob("package.json")):
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(manifest, dict) and manifest.get("type") == "module":
            del manifest["type"]
            manifest_path.write_text(json.dumps(manifest, indent=2))
            relative = manifest_path.relative_to(project_dir)
            warnings.append(
                f'{relative} sets "type": "module"; ran the app as CommonJS'
            )
    return warnings


def deprecation_warnings(outcome: ProcessOutcome) -> list[str]:
    """Return CDK's deprecation messages from the run's output, once each."""
    found: list[str] = []
    for match in DEPRECATION.finditer(outcome.tail(1024 * 1024)):
        text = match.group(0).strip()
        if text not in found:
            found.append(text)
    return found


def environment_warnings(environments: dict[str, str]) -> list[str]:
    """Warn for each environment-agnostic stack, because CDK gives it at most 2 AZs."""
    return [
        f"stack {name} is environment-agnostic (no env account and region): CDK "
        "uses Fn::GetAZs and at most 2 availability zones; pass env to get more"
        for name, environment in sorted(environments.items())
        if environment == AGNOSTIC
    ]
