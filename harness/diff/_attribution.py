"""Declarative attribution of diff entries to a task's taxonomy items.

A task lists `AttributionRule`s. A rule matches an entry on section, resource
type, entry kind, role attributes, property path and, for an element on one
side only, a property it has. An entry evidences the union of the items of
every rule it matches; an entry no rule matches is unexplained.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from harness.diff._model import DiffEntry, EntryKind

ALL_KINDS: tuple[EntryKind, ...] = ("only_in_ideal", "only_in_model", "changed")


@dataclass(frozen=True)
class AttributionRule:
    """One row of an attribution table.

    `role` maps a role attribute to a glob (or tuple of globs) that its value
    must match, and `path` is a glob on the entry's path. `has` is a glob that
    some property path of a one-sided element must match. `reason` explains
    the row in a few words.
    """

    items: tuple[str, ...]
    reason: str
    type: str | None = None
    section: str = "resources"
    kinds: tuple[EntryKind, ...] = ALL_KINDS
    role: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    path: str | None = None
    has: str | None = None

    def matches(self, entry: DiffEntry) -> bool:
        if entry.section != self.section or entry.kind not in self.kinds:
            return False
        if self.type is not None and entry.type != self.type:
            return False
        if not self._role_matches(entry.role_attrs):
            return False
        if self.path is not None and not fnmatchcase(entry.path, self.path):
            return False
        return self.has is None or self._has(entry, self.has)

    def _role_matches(self, attrs: Mapping[str, str]) -> bool:
        for name, patterns in self.role.items():
            allowed = patterns if isinstance(patterns, tuple) else (patterns,)
            value = attrs.get(name)
            if value is None or not any(fnmatchcase(value, p) for p in allowed):
                return False
        return True

    def _has(self, entry: DiffEntry, pattern: str) -> bool:
        if entry.kind == "changed":
            return False
        body = entry.ideal_value if entry.kind == "only_in_ideal" else entry.model_value
        return any(fnmatchcase(path, pattern) for path in _paths(body, ""))


@dataclass(frozen=True)
class Attribution:
    """A named attribution table."""

    name: str
    rules: tuple[AttributionRule, ...]

    def attribute(self, entry: DiffEntry) -> DiffEntry:
        """Return the entry with the items and reasons of every rule it matches."""
        items: set[str] = set()
        reasons: list[str] = []
        for rule in self.rules:
            if rule.matches(entry):
                items.update(rule.items)
                if rule.reason not in reasons:
                    reasons.append(rule.reason)
        ordered = tuple(sorted(items, key=_item_order))
        return entry.with_attribution(ordered, tuple(reasons))


def _item_order(item: str) -> tuple[int, str]:
    return (int(item), item) if item.isdigit() else (10**6, item)


def _paths(value: Any, prefix: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
