"""The result of a template diff as plain values, JSON-ready and deterministic."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

EntryKind = Literal["only_in_ideal", "only_in_model", "changed"]
Change = Literal["added", "removed", "modified", ""]
SECTION_ORDER = {"resources": 0, "outputs": 1, "parameters": 2, "conditions": 3}


@dataclass(frozen=True)
class ElementRef:
    """The location of an element: its stack and logical ID."""

    stack: str
    logical_id: str

    def to_dict(self) -> dict:
        return {"stack": self.stack, "logical_id": self.logical_id}

    @classmethod
    def from_dict(cls, data: dict | None) -> ElementRef | None:
        return cls(data["stack"], data["logical_id"]) if data else None


@dataclass(frozen=True)
class MatchedPair:
    """An ideal element and the model element that plays its role."""

    section: str
    type: str
    role: str
    ideal: ElementRef
    model: ElementRef
    method: str
    similarity: float

    def to_dict(self) -> dict:
        return {
            "section": self.section,
            "type": self.type,
            "role": self.role,
            "ideal": self.ideal.to_dict(),
            "model": self.model.to_dict(),
            "method": self.method,
            "similarity": self.similarity,
        }

    @classmethod
    def from_dict(cls, data: dict) -> MatchedPair:
        return cls(
            section=data["section"],
            type=data["type"],
            role=data["role"],
            ideal=ElementRef(**data["ideal"]),
            model=ElementRef(**data["model"]),
            method=data["method"],
            similarity=float(data["similarity"]),
        )


@dataclass(frozen=True)
class DiffEntry:
    """One difference: an element on one side only, or one changed value of a pair.

    `path` is the JSON path inside the element (`Properties.Tags.Project`), or
    `@role.<attribute>` for a changed role attribute, and empty for an element on
    one side only, whose body is then the ideal or model value. `items` are
    the taxonomy item ids the entry evidences, and none means unexplained.
    `role_attrs` are the role's attributes plus, for what serves a subnet,
    `subnet_paired`, `zone_subnets` and `az_counts`, and for a changed subnet
    `cidr_position`. `note` names the roles of the elements that changed refs
    point at.
    """

    kind: EntryKind
    section: str
    type: str
    role: str
    role_attrs: dict[str, str] = field(default_factory=dict)
    ideal: ElementRef | None = None
    model: ElementRef | None = None
    path: str = ""
    change: Change = ""
    ideal_value: Any = None
    model_value: Any = None
    items: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    note: str = ""

    @property
    def explained(self) -> bool:
        return bool(self.items)

    def with_attribution(self, items: tuple[str, ...], reasons: tuple[str, ...]):
        return replace(self, items=items, reasons=reasons)

    def sort_key(self) -> tuple:
        return (
            SECTION_ORDER.get(self.section, 9),
            self.type,
            self.role,
            self.ideal.logical_id if self.ideal else "",
            self.model.logical_id if self.model else "",
            self.kind,
            self.path,
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "section": self.section,
            "type": self.type,
            "role": self.role,
            "role_attrs": dict(sorted(self.role_attrs.items())),
            "ideal": self.ideal.to_dict() if self.ideal else None,
            "model": self.model.to_dict() if self.model else None,
            "path": self.path,
            "change": self.change,
            "ideal_value": self.ideal_value,
            "model_value": self.model_value,
            "items": list(self.items),
            "reasons": list(self.reasons),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict) -> DiffEntry:
        return cls(
            kind=data["kind"],
            section=data["section"],
            type=data["type"],
            role=data["role"],
            role_attrs=dict(data.get("role_attrs", {})),
            ideal=ElementRef.from_dict(data.get("ideal")),
            model=ElementRef.from_dict(data.get("model")),
            path=data.get("path", ""),
            change=data.get("change", ""),
            ideal_value=data.get("ideal_value"),
            model_value=data.get("model_value"),
            items=tuple(data.get("items", ())),
            reasons=tuple(data.get("reasons", ())),
            note=data.get("note", ""),
        )


@dataclass
class TemplateDiff:
    """Matched pairs, diff entries with their taxonomy items, and type counts.

    `counts` maps a resource type to {"ideal": n, "model": n}.
    """

    region: str
    pairs: list[MatchedPair] = field(default_factory=list)
    entries: list[DiffEntry] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    attribution: str | None = None

    @property
    def empty(self) -> bool:
        return not self.entries

    @property
    def unexplained(self) -> list[DiffEntry]:
        return [entry for entry in self.entries if not entry.explained]

    @property
    def explained_share(self) -> float:
        """Return explained entries / all entries (1.0 when there are none)."""
        if not self.entries:
            return 1.0
        return (len(self.entries) - len(self.unexplained)) / len(self.entries)

    def by_item(self) -> dict[str, list[DiffEntry]]:
        """Return the entries evidencing each taxonomy item, items in id order."""
        grouped: dict[str, list[DiffEntry]] = {}
        for entry in self.entries:
            for item in entry.items:
                grouped.setdefault(item, []).append(entry)
        return dict(sorted(grouped.items(), key=lambda pair: _item_order(pair[0])))

    def to_dict(self) -> dict:
        return {
            "region": self.region,
            "attribution": self.attribution,
            "summary": {
                "entries": len(self.entries),
                "unexplained": len(self.unexplained),
                "explained_share": round(self.explained_share, 4),
                "pairs": len(self.pairs),
                "items": {
                    item: len(entries) for item, entries in self.by_item().items()
                },
            },
            "counts": {
                rtype: dict(sorted(sides.items()))
                for rtype, sides in sorted(self.counts.items())
            },
            "pairs": [pair.to_dict() for pair in self.pairs],
            "entries": [entry.to_dict() for entry in self.entries],
        }

    @classmethod
    def from_dict(cls, data: dict) -> TemplateDiff:
        return cls(
            region=data["region"],
            pairs=[MatchedPair.from_dict(p) for p in data.get("pairs", [])],
            entries=[DiffEntry.from_dict(e) for e in data.get("entries", [])],
            counts={k: dict(v) for k, v in data.get("counts", {}).items()},
            attribution=data.get("attribution"),
        )


def _item_order(item: str) -> tuple[int, str]:
    return (int(item), item) if item.isdigit() else (10**6, item)
