"""Find references to names a template does not define.

CloudFormation rejects a template whose `Ref`, `Fn::GetAtt`, `Fn::Sub`
variable, `DependsOn`, `Condition` or `Fn::FindInMap` names something that
is not declared. These checks report each such reference and its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class BadReference:
    """A reference to an undefined name, at `path` (e.g. `Resources.A.Properties.B`)."""

    path: str
    kind: str
    name: str

    def describe(self) -> str:
        return f"{self.path}: {self.kind} {self.name!r} is not defined"


@dataclass(frozen=True)
class _Names:
    parameters: frozenset[str]
    resources: frozenset[str]
    conditions: frozenset[str]
    mappings: frozenset[str]


def undefined_references(template: dict[str, Any]) -> list[BadReference]:
    """Return every reference in Resources, Outputs and Conditions to an undefined name."""
    names = _Names(
        parameters=_keys(template.get("Parameters")),
        resources=_keys(template.get("Resources")),
        conditions=_keys(template.get("Conditions")),
        mappings=_keys(template.get("Mappings")),
    )
    found: list[BadReference] = []
    for section in ("Resources", "Outputs", "Conditions"):
        entries = template.get(section)
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            path = f"{section}.{name}"
            if section == "Resources" and isinstance(entry, dict):
                found += _resource_attributes(path, entry, names)
                entry = {k: v for k, v in entry.items() if k != "Metadata"}
            found += _walk(path, entry, names, set())
    return found


def _keys(section: Any) -> frozenset[str]:
    return frozenset(section) if isinstance(section, dict) else frozenset()


def _resource_attributes(path: str, entry: dict, names: _Names) -> list[BadReference]:
    found = []
    depends = entry.get("DependsOn", [])
    for target in [depends] if isinstance(depends, str) else depends or []:
        if isinstance(target, str) and target not in names.resources:
            found.append(BadReference(f"{path}.DependsOn", "resource", target))
    return found


def _walk(path: str, value: Any, names: _Names, local: set[str]) -> list[BadReference]:
    if isinstance(value, list):
        found = []
        for index, item in enumerate(value):
            found += _walk(f"{path}[{index}]", item, names, local)
        return found
    if not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        child_path = f"{path}.{key}"
        found += _check_one(child_path, key, item, names, local)
        if key == "Fn::Sub" and isinstance(item, list) and len(item) == 2:
            variables = set(item[1]) if isinstance(item[1], dict) else set()
            found += _walk(child_path, item[1], names, local)
            found += _sub_references(child_path, item[0], names, local | variables)
            continue
        if key == "DependsOn":
            continue
        found += _walk(child_path, item, names, local)
    return found


def _check_one(
    path: str, key: str, item: Any, names: _Names, local: set[str]
) -> list[BadReference]:
    if key == "Ref" and isinstance(item, str):
        known = names.parameters | names.resources | PSEUDO_PARAMETERS
        return [] if item in known else [BadReference(path, "Ref target", item)]
    if key == "Fn::GetAtt":
        target = item.split(".", 1)[0] if isinstance(item, str) else None
        if isinstance(item, list) and item and isinstance(item[0], str):
            target = item[0]
        if target is not None and target not in names.resources:
            return [BadReference(path, "Fn::GetAtt resource", target)]
    if key == "Fn::Sub" and isinstance(item, str):
        return _sub_references(path, item, names, local)
    if key in ("Condition", "Fn::If"):
        name = item
        if key == "Fn::If":
            name = item[0] if isinstance(item, list) and item else None
        if isinstance(name, str) and name not in names.conditions:
            return [BadReference(path, "condition", name)]
    if key == "Fn::FindInMap" and isinstance(item, list) and item:
        mapping = item[0]
        if isinstance(mapping, str) and mapping not in names.mappings:
            return [BadReference(path, "mapping", mapping)]
    return []


def _sub_references(
    path: str, text: Any, names: _Names, local: set[str]
) -> list[BadReference]:
    if not isinstance(text, str):
        return []
    found = []
    known = names.parameters | names.resources | PSEUDO_PARAMETERS | local
    for match in _SUB_VARIABLE.finditer(text):
        variable = match.group(1).strip()
        if variable in known:
            continue
        head = variable.split(".", 1)[0]
        if "." in variable and head in names.resources:
            continue
        found.append(BadReference(path, "Fn::Sub variable", variable))
    return found
