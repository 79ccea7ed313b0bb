"""The Evaluation document: everything known about one response, in one value.

Every output (CLI table, results tables, report, SARIF, notebook, batch
aggregates) is rendered from this document, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness._project import Project
from harness._synth_result import SynthResult
from harness.findings import DeployFinding, Finding

# pass: every item passed or does not apply; fail: at least one item failed;
# model_error: the response produced no templates (its own fault);
# harness_error: the harness could not finish (result incomplete).
Outcome = Literal["pass", "fail", "model_error", "harness_error"]

SCHEMA_VERSION = 1


@dataclass
class ResponseInfo:
    """Identity of the evaluated response."""

    id: str
    source: str
    kind: str
    content_hash: str
    model: str | None = None
    prompt_id: str | None = None


@dataclass
class Evaluation:
    response: ResponseInfo
    task: str
    outcome: Outcome
    synth: SynthResult
    findings: list[Finding] = field(default_factory=list)
    deploy: list[DeployFinding] = field(default_factory=list)
    diff: dict[str, Any] | None = None
    score: dict[str, Any] = field(default_factory=dict)
    project: Project | None = None
    versions: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "response": vars(self.response),
            "task": self.task,
            "outcome": self.outcome,
            "score": self.score,
            "findings": [f.to_dict() for f in self.findings],
            "deploy": [d.to_dict() for d in self.deploy],
            "diff": self.diff,
            "synth": self.synth.to_dict(),
            "project": self.project.to_dict() if self.project else None,
            "versions": self.versions,
            "settings": self.settings,
            "timings": self.timings,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Evaluation:
        return cls(
            response=ResponseInfo(**data["response"]),
            task=data["task"],
            outcome=data["outcome"],
            synth=SynthResult.from_dict(data["synth"]),
            findings=[Finding.from_dict(f) for f in data.get("findings", [])],
            deploy=[DeployFinding.from_dict(d) for d in data.get("deploy", [])],
            diff=data.get("diff"),
            score=data.get("score", {}),
            project=Project.from_dict(data["project"]) if data.get("project") else None,
            versions=data.get("versions", {}),
            settings=data.get("settings", {}),
            timings=data.get("timings", {}),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def load(cls, path: Path) -> Evaluation:
        return cls.from_dict(json.loads(path.read_text()))
