"""Findings: the verdict of one check on one response, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Severity(str, Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Evidence:
    """A template element or project file that a finding rests on.

    For template evidence `logical_id` and `stack` are set (and `construct_path`
    for CDK responses); for project-file evidence `file` (and `line`) are set.
    """

    logical_id: str | None = None
    stack: str | None = None
    construct_path: str | None = None
    resource_type: str | None = None
    property_path: str | None = None
    file: str | None = None
    line: int | None = None
    note: str = ""

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v not in (None, "")}

    @classmethod
    def from_dict(cls, data: dict) -> Evidence:
        return cls(**data)


@dataclass(frozen=True)
class Finding:
    """The result of one rule on one response.

    `expected` and `actual` are short human-readable statements; `consequence_of`
    lists the item ids whose failure makes this one fail too.
    """

    item: str
    status: Status
    expected: str = ""
    actual: str = ""
    evidence: tuple[Evidence, ...] = ()
    consequence_of: tuple[str, ...] = ()
    message: str = ""

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "status": self.status.value,
            "expected": self.expected,
            "actual": self.actual,
            "evidence": [e.to_dict() for e in self.evidence],
            "consequence_of": list(self.consequence_of),
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Finding:
        return cls(
            item=data["item"],
            status=Status(data["status"]),
            expected=data.get("expected", ""),
            actual=data.get("actual", ""),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", [])),
            consequence_of=tuple(data.get("consequence_of", [])),
            message=data.get("message", ""),
        )


@dataclass(frozen=True)
class DeployFinding:
    """A deployability problem: a cfn-lint match or a documented API constraint."""

    source: str  # "cfn-lint" or "api-constraint"
    rule: str
    level: str  # "error", "warning" or "info"
    message: str
    stack: str | None = None
    logical_id: str | None = None
    property_path: str | None = None
    template_line: int | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if v not in (None, {}, "")}

    @classmethod
    def from_dict(cls, data: dict) -> DeployFinding:
        return cls(**data)
