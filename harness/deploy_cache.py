"""A content-addressed cache of deployability findings.

cfn-lint costs about a second per template, more than every other stage of
a cached evaluation together, and its findings depend only on the template
text, the region and the tool versions.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from harness import versions
from harness._project import Project
from harness._synth_result import Stack
from harness.findings import DeployFinding
from harness.results import write_atomic

logger = logging.getLogger(__name__)


def cache_key(stacks: list[Stack], region: str, project: Project | None) -> str:
    """Return the SHA-256 of the templates, their source files, region and versions."""
    found = versions.collect()
    material = {
        "templates": [(stack.name, stack.template) for stack in stacks],
        "sources": _template_sources(stacks, project),
        "region": region,
        "versions": [found.get("harness"), found.get("cfn-lint")],
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached_findings(
    stacks: list[Stack],
    region: str,
    project: Project | None,
    compute: Callable[[], list[DeployFinding]],
    directory: Path | None,
) -> list[DeployFinding]:
    """Return the cached findings for these templates, computing and storing on a miss.

    Results with a finding that records a harness failure are not stored.
    """
    if directory is None:
        return compute()
    path = directory / f"{cache_key(stacks, region, project)}.json"
    if path.exists():
        try:
            return [DeployFinding.from_dict(d) for d in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError) as exc:
            logger.warning("ignoring unreadable deployability cache %s: %s", path, exc)
    findings = compute()
    if not any(f.extra.get("harness_error") for f in findings):
        write_atomic(path, json.dumps([f.to_dict() for f in findings], sort_keys=True))
    return findings


def _template_sources(stacks: list[Stack], project: Project | None) -> list[str]:
    """Return the texts of template files that findings cite lines of."""
    if project is None:
        return []
    names = {stack.template_file for stack in stacks}
    return [project.files[n].text for n in sorted(names) if n in project.files]
