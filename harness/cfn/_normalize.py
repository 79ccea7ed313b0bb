"""Normalize a parsed template: parameter values, conditions, `Fn::If`.

The normalized template keeps `Ref`s to parameters. Each parameter's Default
is set to the value used (an override or its own Default), so readers that
resolve a Ref through the Default see that value. Conditions that evaluate
statically decide which resources and outputs stay and which `Fn::If` branch
is kept.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.cfn._intrinsics import Resolver, Unresolved

logger = logging.getLogger(__name__)

_NO_VALUE = {"Ref": "AWS::NoValue"}
_REMOVED = object()


@dataclass
class Normalized:
    """A normalized template, the condition values used, and notes for the user."""

    template: dict[str, Any]
    conditions: dict[str, bool | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def normalize(
    template: Mapping[str, Any],
    region: str,
    account: str,
    overrides: Mapping[str, Any] | None = None,
) -> Normalized:
    """Return a normalized deep copy of `template` (see the module docstring)."""
    result = copy.deepcopy(dict(template))
    notes = _apply_overrides(result, overrides or {})
    resolver = Resolver.for_template(result, region, account, overrides)
    notes += _unset_parameter_notes(result, resolver)
    resolver.conditions = _evaluate_conditions(result, resolver)
    notes += _drop_false(result, "Resources", resolver.conditions)
    notes += _drop_false(result, "Outputs", resolver.conditions)
    for section in ("Resources", "Outputs"):
        if isinstance(result.get(section), dict):
            result[section] = _resolve_ifs(result[section], resolver)
    _drop_settled_conditions(result, resolver.conditions)
    return Normalized(result, resolver.conditions, notes)


def _apply_overrides(
    template: dict[str, Any], overrides: Mapping[str, Any]
) -> list[str]:
    declared = template.get("Parameters")
    declared = declared if isinstance(declared, dict) else {}
    notes = []
    for name, value in sorted(overrides.items()):
        if name not in declared:
            notes.append(
                f"parameter override {name}={value!r} ignored: the template "
                f"declares no parameter {name}"
            )
            continue
        if isinstance(declared[name], dict):
            declared[name]["Default"] = value
    return notes


def _unset_parameter_notes(template: dict[str, Any], resolver: Resolver) -> list[str]:
    declared = template.get("Parameters")
    if not isinstance(declared, dict):
        return []
    return [
        f"parameter {name} has no Default and no override; references to it "
        "stay unresolved"
        for name in declared
        if name not in resolver.parameters
    ]


def _evaluate_conditions(
    template: dict[str, Any], resolver: Resolver
) -> dict[str, bool | None]:
    """Evaluate every condition; repeat so conditions may refer to later ones."""
    declared = template.get("Conditions")
    if not isinstance(declared, dict):
        return {}
    values: dict[str, bool | None] = {name: None for name in declared}
    resolver.conditions = values
    for _ in range(len(declared)):
        changed = False
        for name, expression in declared.items():
            if values[name] is not None:
                continue
            try:
                outcome = resolver.resolve(expression)
            except Unresolved:
                continue
            if isinstance(outcome, bool):
                values[name] = outcome
                changed = True
        if not changed:
            break
    return values


def _drop_false(
    template: dict[str, Any], section: str, conditions: dict[str, bool | None]
) -> list[str]:
    entries = template.get(section)
    if not isinstance(entries, dict):
        return []
    notes = []
    for name in list(entries):
        entry = entries[name]
        condition = entry.get("Condition") if isinstance(entry, dict) else None
        if isinstance(condition, str) and conditions.get(condition) is False:
            del entries[name]
            notes.append(
                f"{section[:-1].lower()} {name} dropped: its condition "
                f"{condition} is false"
            )
    return notes


def _resolve_ifs(value: Any, resolver: Resolver) -> Any:
    """Replace each `Fn::If` whose condition is known by its chosen branch."""
    if isinstance(value, list):
        resolved = [_resolve_ifs(item, resolver) for item in value]
        return [item for item in resolved if item is not _REMOVED]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Fn::If" in value:
        chosen = _chosen_branch(value["Fn::If"], resolver)
        if chosen is not None:
            branch = chosen[0]
            return _REMOVED if branch == _NO_VALUE else _resolve_ifs(branch, resolver)
    items = {key: _resolve_ifs(item, resolver) for key, item in value.items()}
    return {key: item for key, item in items.items() if item is not _REMOVED}


def _chosen_branch(argument: Any, resolver: Resolver) -> tuple[Any] | None:
    if not (isinstance(argument, list) and len(argument) == 3):
        return None
    known = resolver.conditions.get(str(argument[0]))
    if known is None:
        return None
    return (argument[1] if known else argument[2],)


def _drop_settled_conditions(
    template: dict[str, Any], conditions: dict[str, bool | None]
) -> None:
    """Remove conditions that are known and no longer referenced."""
    declared = template.get("Conditions")
    if not isinstance(declared, dict):
        return
    used = set()
    for section in ("Resources", "Outputs", "Conditions"):
        used |= _condition_names(template.get(section))
    for name, value in conditions.items():
        if value is not None and name not in used:
            del declared[name]
    if not declared:
        del template["Conditions"]


def _condition_names(value: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(value, list):
        for item in value:
            names |= _condition_names(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Condition" and isinstance(item, str):
                names.add(item)
            elif key == "Fn::If" and isinstance(item, list) and item:
                names.add(str(item[0]))
            names |= _condition_names(item)
    return names
