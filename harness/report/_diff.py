"""The report's view of the template diff: unexplained entries and attribution.

The diff arrives as a dict. Its reader here accepts entries that name their
items under `items` or `attributed_to`, an `unexplained` list or count, and a
path given as a string or a list of keys.
"""

from __future__ import annotations

from typing import Any

from harness.taxonomy import Task

# Entry keys that describe what differs, shown in the report in this order.
_DETAIL_KEYS = ("ideal", "model", "expected", "actual", "before", "after", "message")
MAX_DETAIL_CHARS = 160


def diff_section(diff: dict[str, Any] | None, task: Task) -> dict[str, Any]:
    """Return the report's diff section: counts, share explained, unexplained entries."""
    if not diff:
        return {
            "available": False,
            "entries": 0,
            "explained_share": None,
            "unexplained": [],
        }
    entries = [e for e in diff.get("entries") or [] if isinstance(e, dict)]
    unexplained = _unexplained(diff, entries)
    by_item: dict[str, int] = {}
    for entry in entries:
        for item in _attribution(entry):
            by_item[item] = by_item.get(item, 0) + 1
    known = {item.id for item in task.items}
    return {
        "available": True,
        "entries": len(entries),
        "explained_share": diff.get("explained_share"),
        "unexplained": [_describe(entry) for entry in unexplained],
        "by_item": {k: by_item[k] for k in sorted(by_item, key=_item_order(task))},
        "unknown_items": sorted(k for k in by_item if k not in known),
    }


def _attribution(entry: dict[str, Any]) -> list[str]:
    for key in ("items", "attributed_to"):
        value = entry.get(key)
        if isinstance(value, str):
            return [value]
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
    return []


def _unexplained(
    diff: dict[str, Any], entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    listed = diff.get("unexplained")
    if isinstance(listed, list) and all(isinstance(e, dict) for e in listed):
        return listed
    if isinstance(listed, list) and all(isinstance(e, int) for e in listed):
        return [entries[i] for i in listed if 0 <= i < len(entries)]
    return [e for e in entries if not _attribution(e)]


def _describe(entry: dict[str, Any]) -> dict[str, Any]:
    path = entry.get("path")
    if isinstance(path, list | tuple):
        path = ".".join(str(p) for p in path)
    details = []
    for key in _DETAIL_KEYS:
        if key in entry and entry[key] not in (None, ""):
            details.append(f"{key}: {_short(entry[key])}")
    return {
        "kind": str(entry.get("kind", "")),
        "path": str(path or ""),
        "resource_type": entry.get("resource_type") or entry.get("type"),
        "detail": "; ".join(details),
    }


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_DETAIL_CHARS:
        return text[: MAX_DETAIL_CHARS - 3] + "..."
    return text


def _item_order(task: Task):
    order = {item.id: index for index, item in enumerate(task.items)}
    return lambda item_id: (order.get(item_id, len(order)), item_id)
