"""The outcome of synthesizing one response."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from harness.errors import ResponseError

Language = Literal["typescript", "python", "cloudformation"]


@dataclass(frozen=True)
class SourceSite:
    """A place in the response: a project file and 1-based line."""

    file: str
    line: int

    def to_dict(self) -> dict:
        return {"file": self.file, "line": self.line}


@dataclass
class Stack:
    """One synthesized CloudFormation template and what is known of its elements.

    `construct_paths` maps a logical ID to its CDK construct path and `sites`
    maps it to where the response created that construct. A CloudFormation
    response has no construct paths, and its `sites` point at the template
    line of each resource. `output_sites` maps an output's name to the template
    line where it is written, for CloudFormation responses only. It is kept
    apart from `sites` because an output may share a resource's name.
    """

    name: str
    template: dict[str, Any]
    template_file: str
    construct_paths: dict[str, str] = field(default_factory=dict)
    sites: dict[str, SourceSite] = field(default_factory=dict)
    output_sites: dict[str, SourceSite] = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = {
            "name": self.name,
            "template_file": self.template_file,
            "template": self.template,
            "construct_paths": dict(sorted(self.construct_paths.items())),
            "sites": {k: v.to_dict() for k, v in sorted(self.sites.items())},
        }
        if self.output_sites:
            data["output_sites"] = {
                k: v.to_dict() for k, v in sorted(self.output_sites.items())
            }
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Stack:
        return cls(
            name=data["name"],
            template=data["template"],
            template_file=data["template_file"],
            construct_paths=dict(data.get("construct_paths", {})),
            sites={k: SourceSite(**v) for k, v in data.get("sites", {}).items()},
            output_sites={
                k: SourceSite(**v) for k, v in data.get("output_sites", {}).items()
            },
        )


@dataclass
class SynthResult:
    """Templates per stack, or a classified error, plus warnings and timings."""

    language: Language | None
    entry: str | None
    stacks: list[Stack] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    error: ResponseError | None = None
    cache_hit: bool = False
    log_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.stacks)

    def to_dict(self) -> dict:
        return {
            "language": self.language,
            "entry": self.entry,
            "stacks": [stack.to_dict() for stack in self.stacks],
            "manifest": self.manifest,
            "context": self.context,
            "warnings": list(self.warnings),
            "timings": dict(self.timings),
            "error": self.error.to_dict() if self.error else None,
            "cache_hit": self.cache_hit,
            "log_tail": self.log_tail,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SynthResult:
        error = data.get("error")
        return cls(
            language=data.get("language"),
            entry=data.get("entry"),
            stacks=[Stack.from_dict(s) for s in data.get("stacks", [])],
            manifest=data.get("manifest", {}),
            context=data.get("context", {}),
            warnings=list(data.get("warnings", [])),
            timings=dict(data.get("timings", {})),
            error=ResponseError.from_dict(error) if error else None,
            cache_hit=bool(data.get("cache_hit", False)),
            log_tail=data.get("log_tail", ""),
        )
