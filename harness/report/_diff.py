"""The report's view of the template diff: unexplained entries and attribution.

The diff arrives as the dict of `TemplateDiff.to_dict()`: `entries` whose
`items` name the taxonomy items they evidence (none means unexplained), and a
`summary` with `explained_share`. The reader also accepts an `attributed_to`
list, a top-level `explained_share`, and a path given as a list of keys.
"""

from __future__ import annotations

import json
from typing import Any

from harness.taxonomy import Task

MAX_VALUE_CHARS = 120


def diff_section(diff: dict[str, Any] | None, task: Task) -> dict[str, Any]:
    """Return the diff section: counts, share explained and unexplained entries."""
    if not diff:
        return {
            "available": False,
            "entries": 0,
            "explained_share": None,
            "unexplained": [],
            "by_item": {},
            "unknown_items": [],
        }
    entries = [e for e in diff.get("entries") or [] if isinstance(e, dict)]
    by_item: dict[str, int] = {}
    for entry in entries:
        for item in _attribution(entry):
            by_item[item] = by_item.get(item, 0) + 1
    known = {item.id for item in task.items}
    return {
        "available": True,
        "entries": len(entries),
        "explained_share": _explained_share(diff),
        "unexplained": [_describe(e) for e in entries if not _attribution(e)],
        "by_item": {k: by_item[k] for k in sorted(by_item, key=_item_order(task))},
        "unknown_items": sorted(k for k in by_item if k not in known),
    }


def _explained_share(diff: dict[str, Any]) -> float | None:
    summary = diff.get("summary")
    share = summary.get("explained_share") if isinstance(summary, dict) else None
    share = diff.get("explained_share", share)
    return float(share) if isinstance(share, int | float) else None


def _attribution(entry: dict[str, Any]) -> list[str]:
    for key in ("items", "attributed_to"):
        value = entry.get(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
    return []


def _describe(entry: dict[str, Any]) -> dict[str, Any]:
    path = entry.get("path")
    if isinstance(path, list | tuple):
        path = ".".join(str(p) for p in path)
    return {
        "kind": str(entry.get("kind", "")),
        "section": entry.get("section"),
        "resource_type": entry.get("type") or entry.get("resource_type"),
        "role": entry.get("role"),
        "ideal_element": _logical_id(entry.get("ideal")),
        "model_element": _logical_id(entry.get("model")),
        "path": str(path or ""),
        "change": entry.get("change") or None,
        "ideal_value": _short(entry.get("ideal_value")),
        "model_value": _short(entry.get("model_value")),
    }


def _logical_id(reference: Any) -> str | None:
    if isinstance(reference, dict):
        return reference.get("logical_id")
    return str(reference) if reference else None


def _short(value: Any) -> str | None:
    """Return a value as compact JSON text, cut to MAX_VALUE_CHARS."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > MAX_VALUE_CHARS:
        return text[: MAX_VALUE_CHARS - 3] + "..."
    return text


def _item_order(task: Task):
    order = {item.id: index for index, item in enumerate(task.items)}
    return lambda item_id: (order.get(item_id, len(order)), item_id)
