"""Property-level comparison of paired elements, with refs compared by counterpart.

A `Ref` in the ideal and one in the model are equal when their targets were
paired by the matcher, whatever the targets are named. Values in entries are
rendered back to CloudFormation JSON with each side's own logical IDs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from typing import Any

from harness.diff._elements import Element, Embedded, Key, RefTo, scalar_token
from harness.diff._equivalence import RULE_NUMBER, name_paths, same_rule_order
from harness.diff._layout import az_count, kept_positions
from harness.diff._match import Match
from harness.diff._model import DiffEntry, ElementRef
from harness.diff._roles import RoleFinder

_ABSENT = object()
SUBNET = "AWS::EC2::Subnet"


class Comparer:
    """Builds the unattributed diff entries from the matches of two element sets."""

    def __init__(
        self,
        ideal: dict[Key, Element],
        model: dict[Key, Element],
        matches: list[Match],
        ideal_roles: RoleFinder,
        model_roles: RoleFinder,
    ) -> None:
        self.ideal, self.model = ideal, model
        self.matches = matches
        self.ideal_roles, self.model_roles = ideal_roles, model_roles
        self.to_model = {match.ideal: match.model for match in matches}
        self.to_ideal = {match.model: match.ideal for match in matches}
        self.rule_order_kept = same_rule_order(matches, ideal, model)
        self.az_counts = (
            "same" if az_count(ideal_roles) == az_count(model_roles) else "differ"
        )
        self.cidr_kept = kept_positions(ideal, model, self.to_model)

    def entries(self) -> list[DiffEntry]:
        found: list[DiffEntry] = []
        for match in self.matches:
            found.extend(self._pair_entries(match))
        for key in sorted(set(self.ideal) - set(self.to_model)):
            found.append(self._single_entry("only_in_ideal", self.ideal[key]))
        for key in sorted(set(self.model) - set(self.to_ideal)):
            found.append(self._single_entry("only_in_model", self.model[key]))
        return found

    def role_attrs(self, key: Key, side: str) -> dict[str, str]:
        """Return an element's role attributes plus facts about the subnet it serves.

        `subnet_paired` is "yes" when that subnet has a counterpart on the other
        side and "no" otherwise. `zone_subnets` counts the subnets of its tier
        in its AZ. `az_counts` is "same" or "differ": whether both sides'
        subnets span equally many AZs.
        """
        roles = self.ideal_roles if side == "ideal" else self.model_roles
        pairs = self.to_model if side == "ideal" else self.to_ideal
        attrs = roles.role(key).as_dict()
        subnet = roles.subnet_of(key)
        if subnet is not None:
            attrs["subnet_paired"] = "yes" if subnet in pairs else "no"
            attrs["zone_subnets"] = str(roles.zone_subnet_count(subnet))
            attrs["az_counts"] = self.az_counts
        return attrs

    def _single_entry(self, kind: str, element: Element) -> DiffEntry:
        side = "ideal" if kind == "only_in_ideal" else "model"
        roles = self.ideal_roles if side == "ideal" else self.model_roles
        where = ElementRef(*element.key)
        value = render(element.body)
        return DiffEntry(
            kind=kind,  # type: ignore[arg-type]
            section=element.section,
            type=element.type,
            role=roles.role(element.key).label,
            role_attrs=self.role_attrs(element.key, side),
            ideal=where if side == "ideal" else None,
            model=where if side == "model" else None,
            ideal_value=value if side == "ideal" else None,
            model_value=value if side == "model" else None,
        )

    def _pair_entries(self, match: Match) -> list[DiffEntry]:
        ideal, model = self.ideal[match.ideal], self.model[match.model]
        changes: list[tuple[str, Any, Any]] = []
        presence_only = name_paths(ideal.type)
        if match.ideal in self.rule_order_kept:
            presence_only |= {RULE_NUMBER}
        self._walk(ideal.body, model.body, "", changes, presence_only)
        changes.extend(self._role_changes(match))
        base = DiffEntry(
            kind="changed",
            section=ideal.section,
            type=ideal.type,
            role=self.ideal_roles.role(match.ideal).label,
            role_attrs=self._pair_attrs(match),
            ideal=ElementRef(*match.ideal),
            model=ElementRef(*match.model),
        )
        return [
            replace(_changed(base, path, i, m), note=self._ref_note(i, m))
            for path, i, m in changes
        ]

    def _pair_attrs(self, match: Match) -> dict[str, str]:
        """Return the attributes of a pair's entries: the ideal element's, and more.

        A subnet pair also gets `cidr_position`, "kept" when the pair keeps its
        place in the address plan once the subnets of one side only are left
        out, and "moved" otherwise.
        """
        attrs = self.role_attrs(match.ideal, "ideal")
        if self.ideal[match.ideal].type == SUBNET:
            position_kept = match.ideal in self.cidr_kept
            attrs["cidr_position"] = "kept" if position_kept else "moved"
        return attrs

    def _ref_note(self, ideal: Any, model: Any) -> str:
        """Return what the changed refs point at on each side, or "" for other values."""
        ideal_targets = self._ref_targets(ideal, "ideal")
        model_targets = self._ref_targets(model, "model")
        if not ideal_targets and not model_targets:
            return ""
        ideal_text = ", ".join(ideal_targets) or "nothing"
        model_text = ", ".join(model_targets) or "nothing"
        return f"ideal refers to {ideal_text}; model refers to {model_text}"

    def _ref_targets(self, value: Any, side: str) -> list[str]:
        if isinstance(value, list) and _all_refs(value):
            return [label for item in value for label in self._ref_targets(item, side)]
        if not isinstance(value, RefTo):
            return []
        roles = self.ideal_roles if side == "ideal" else self.model_roles
        pairs = self.to_model if side == "ideal" else self.to_ideal
        if value.key not in roles.elements:
            return [value.key[1]]
        paired = "" if value.key in pairs else f" (only in the {side})"
        return [roles.role(value.key).label + paired]

    def _role_changes(self, match: Match) -> list[tuple[str, Any, Any]]:
        ideal_role = self.ideal_roles.role(match.ideal)
        model_role = self.model_roles.role(match.model)
        return [
            (f"@role.{name}", ideal_role.get(name), model_role.get(name))
            for name in ideal_role.reported
            if ideal_role.get(name) != model_role.get(name)
        ]

    def _walk(
        self,
        ideal: Any,
        model: Any,
        path: str,
        changes: list,
        presence_only: frozenset[str],
    ) -> None:
        if path in presence_only and ideal is not _ABSENT and model is not _ABSENT:
            return
        if self._canon(ideal, "ideal") == self._canon(model, "model"):
            return
        if _is_plain_mapping(ideal) and _is_plain_mapping(model):
            for key in sorted(set(ideal) | set(model)):
                child = f"{path}.{key}" if path else key
                self._walk(
                    ideal.get(key, _ABSENT),
                    model.get(key, _ABSENT),
                    child,
                    changes,
                    presence_only,
                )
            return
        if (
            isinstance(ideal, list)
            and isinstance(model, list)
            and len(ideal) == len(model)
            and not _all_refs(ideal)
        ):
            for index, (first, second) in enumerate(zip(ideal, model)):
                self._walk(first, second, f"{path}[{index}]", changes, presence_only)
            return
        changes.append((path, ideal, model))

    def _canon(self, value: Any, side: str) -> Hashable:
        if value is _ABSENT:
            return ("absent",)
        if isinstance(value, RefTo):
            return ("ref", self._counterpart(value.key, side), value.attribute)
        if isinstance(value, Embedded):
            return ("embedded", tuple(self._canon(p, side) for p in value.parts))
        if isinstance(value, dict):
            return (
                "map",
                tuple(sorted((k, self._canon(v, side)) for k, v in value.items())),
            )
        if isinstance(value, list):
            items = tuple(self._canon(item, side) for item in value)
            if _all_refs(value):
                items = tuple(sorted(items, key=repr))
            return ("list", items)
        return ("value", scalar_token(value))

    def _counterpart(self, key: Key, side: str) -> Hashable:
        if side == "ideal":
            return key if key in self.to_model else ("ideal-only", key)
        return self.to_ideal.get(key, ("model-only", key))


def _changed(base: DiffEntry, path: str, ideal: Any, model: Any) -> DiffEntry:
    if ideal is _ABSENT:
        change, ideal = "added", None
    elif model is _ABSENT:
        change, model = "removed", None
    else:
        change = "modified"
    return replace(
        base,
        path=path,
        change=change,  # type: ignore[arg-type]
        ideal_value=render(ideal),
        model_value=render(model),
    )


def _is_plain_mapping(value: Any) -> bool:
    return isinstance(value, dict) and not (
        len(value) == 1 and next(iter(value)).startswith("Fn::")
    )


def _all_refs(values: list) -> bool:
    return bool(values) and all(isinstance(value, RefTo) for value in values)


def render(value: Any) -> Any:
    """Return a normalized value as CloudFormation JSON, naming refs by logical ID."""
    if isinstance(value, RefTo):
        if value.attribute is None:
            return {"Ref": value.key[1]}
        return {"Fn::GetAtt": [value.key[1], value.attribute]}
    if isinstance(value, Embedded):
        return "".join(
            part.key[1] if isinstance(part, RefTo) else part for part in value.parts
        )
    if isinstance(value, dict):
        return {key: render(item) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item) for item in value]
    return value
