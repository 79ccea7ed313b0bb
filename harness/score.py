"""Weighted scores of findings, and the deployability sub-score.

The score is 100 * (1 - failed weight / applicable weight), where an item's
weight comes from its severity. Items that pass or fail are applicable;
`not_applicable` and `error` items are left out of both sums. An `error`
never lowers the score, but it marks the result incomplete.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError
from harness.findings import DeployFinding, Finding, Severity, Status
from harness.taxonomy import Item

# Penalty per deployability error, in points off 100. An API-constraint error
# is a value that the AWS API documentation says it rejects, so the deployment
# fails for certain. A cfn-lint error usually fails it, but not always.
DEPLOY_PENALTIES = {"api-constraint": 25.0, "cfn-lint": 10.0}


@dataclass(frozen=True)
class Weights:
    """Weight of one failed item per severity."""

    critical: float = 10.0
    high: float = 5.0
    medium: float = 2.0
    low: float = 1.0

    def of(self, severity: Severity) -> float:
        return float(getattr(self, severity.value))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "weights") -> Weights:
        """Build weights from {severity: number}; unnamed severities keep defaults."""
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for name, value in data.items():
            if name not in known:
                raise ConfigError(
                    f"{source}: unknown severity {name!r}; use {', '.join(sorted(known))}"
                )
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(
                    f"{source}: weight of {name} must be a number, got {value!r}"
                )
            if value < 0:
                raise ConfigError(
                    f"{source}: weight of {name} must be >= 0, got {value}"
                )
            values[name] = float(value)
        return cls(**values)


def load_weights(path: Path) -> Weights:
    """Read weights from a TOML, YAML or JSON file, at top level or under `weights`."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(f"cannot read weights file {path}: {exc.strerror}") from exc
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"invalid weights file {path}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("weights"), dict):
        data = data["weights"]
    if not isinstance(data, dict):
        raise ConfigError(
            f"weights file {path} must map severities to numbers, e.g. critical = 10"
        )
    return Weights.from_mapping(data, str(path))


def score(
    findings: Iterable[Finding],
    items: Iterable[Item],
    weights: Weights | None = None,
    root_causes_only: bool = False,
) -> dict[str, Any]:
    """Score findings against their items' severities.

    With `root_causes_only`, a failure whose `consequence_of` is non-empty is
    left out of both sums, so a root cause is charged once. `score` is None
    when no item is applicable.
    """
    weights = weights or Weights()
    severity = {item.id: item.severity for item in items}
    status_counts = {status.value: 0 for status in Status}
    failures = {level.value: 0 for level in Severity}
    failed_weight = applicable_weight = 0.0
    errors, consequences, failed_items = [], [], []
    for finding in findings:
        status_counts[finding.status.value] += 1
        if finding.item not in severity:
            raise ConfigError(f"finding for unknown item {finding.item!r}")
        level = severity[finding.item]
        weight = weights.of(level)
        if finding.status is Status.ERROR:
            errors.append(finding.item)
        elif finding.status is Status.PASS:
            applicable_weight += weight
        elif finding.status is Status.FAIL:
            if finding.consequence_of:
                consequences.append(finding.item)
                if root_causes_only:
                    continue
            failed_items.append(finding.item)
            failures[level.value] += 1
            failed_weight += weight
            applicable_weight += weight
    value = (
        round(100.0 * (1.0 - failed_weight / applicable_weight), 2)
        if applicable_weight
        else None
    )
    return {
        "score": value,
        "failed_weight": failed_weight,
        "applicable_weight": applicable_weight,
        "failures_by_severity": failures,
        "status_counts": status_counts,
        "failed_items": failed_items,
        "consequence_failures": consequences,
        "complete": not errors,
        "errors": errors,
        "root_causes_only": root_causes_only,
        "weights": weights.to_dict(),
    }


def deploy_score(
    deploy_findings: Iterable[DeployFinding],
    penalties: Mapping[str, float] | None = None,
) -> float:
    """Return 100 minus a penalty per deployability error, floored at 0.

    Only findings of level "error" count; the penalty per source is
    `DEPLOY_PENALTIES` unless `penalties` overrides it.
    """
    table = {**DEPLOY_PENALTIES, **(penalties or {})}
    total = 0.0
    for finding in deploy_findings:
        if finding.level != "error":
            continue
        if finding.source not in table:
            raise ConfigError(
                f"no deploy penalty for source {finding.source!r}; "
                f"known sources: {', '.join(sorted(table))}"
            )
        total += table[finding.source]
    return max(0.0, 100.0 - total)
