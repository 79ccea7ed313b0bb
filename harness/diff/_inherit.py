"""Attribution of supporting resources to the resource they exist for.

A resource on one side only that no attribution rule explains (an IAM role of
a missing function, the address of a missing NAT gateway) inherits the items
of the one-sided resources it serves. It serves the resources that reference
it, or, when nothing references it, the resources it references. It inherits
nothing when any of those has a counterpart: an endpoint attached to the
route tables of both sides serves no one-sided table in particular.
"""

from __future__ import annotations

from harness.diff._elements import Key
from harness.diff._model import DiffEntry
from harness.diff._roles import RoleFinder


def inherit_items(
    entries: list[DiffEntry], ideal_roles: RoleFinder, model_roles: RoleFinder
) -> list[DiffEntry]:
    """Return the entries with unexplained one-sided resources attributed, if possible."""
    entries = list(entries)
    index = _one_sided_index(entries)
    changed = True
    while changed:
        changed = False
        for position, entry in enumerate(entries):
            if entry.items or entry.kind == "changed" or entry.section != "resources":
                continue
            side, key = _side_and_key(entry)
            roles = ideal_roles if side == "ideal" else model_roles
            served = [
                entries[index[(side, k)]] for k in _served(roles, key, index, side)
            ]
            items = sorted({item for other in served for item in other.items})
            if not served or not all(other.items for other in served):
                continue
            reason = f"supports a {served[0].type} that is {_where(side)}"
            entries[position] = entry.with_attribution(tuple(items), (reason,))
            changed = True
    return entries


def _one_sided_index(entries: list[DiffEntry]) -> dict[tuple[str, Key], int]:
    index = {}
    for position, entry in enumerate(entries):
        if entry.kind != "changed":
            index[_side_and_key(entry)] = position
    return index


def _side_and_key(entry: DiffEntry) -> tuple[str, Key]:
    where = entry.ideal if entry.kind == "only_in_ideal" else entry.model
    assert where is not None
    side = "ideal" if entry.kind == "only_in_ideal" else "model"
    return side, (where.stack, where.logical_id)


def _served(roles: RoleFinder, key: Key, index: dict, side: str) -> list[Key]:
    """Return the one-sided resources `key` serves, or [] if it serves a paired one."""
    referrers = {
        source.key
        for source, _ in roles.incoming.get(key, ())
        if source.section == "resources" and source.key != key
    }
    if referrers:
        return sorted(referrers) if all((side, k) in index for k in referrers) else []
    targets = {
        ref.key
        for _, ref in roles.elements[key].refs
        if ref.key != key and roles.elements[ref.key].section == "resources"
    }
    return sorted(targets) if all((side, k) in index for k in targets) else []


def _where(side: str) -> str:
    return "only in the ideal" if side == "ideal" else "only in the model"
