"""Pairing the elements of an ideal and a model response without logical IDs.

Elements of the same section and type are paired in two passes: first those
with equal roles, then what is left among those that share the role's hard
attributes. Where several candidates compete, an optimal assignment on
property similarity (scipy's `linear_sum_assignment`) decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

from harness.diff._elements import Element, Embedded, Key, RefTo, scalar_token
from harness.diff._roles import RoleFinder

# A pair found in the second pass needs at least this property similarity
# (Dice coefficient over flattened property values) to count as a match.
MIN_SIMILARITY = 0.2


@dataclass(frozen=True)
class Match:
    ideal: Key
    model: Key
    method: str  # "role" or "similarity"
    similarity: float


class _Side:
    """The elements, roles and similarity features of one response."""

    def __init__(self, elements: dict[Key, Element]) -> None:
        self.elements = elements
        self.roles = RoleFinder(elements)
        self._features: dict[Key, frozenset] = {}

    def features(self, key: Key) -> frozenset:
        if key not in self._features:
            element = self.elements[key]
            leaves: set[tuple[str, Hashable]] = set()
            _flatten(element.body, "", leaves, self._ref_token)
            leaves.update(("@" + k, v) for k, v in self.roles.role(key).attrs)
            self._features[key] = frozenset(leaves)
        return self._features[key]

    def _ref_token(self, ref: RefTo) -> Hashable:
        if ref.key not in self.elements:
            return ("ref", ref.key[1], ref.attribute)
        return ("ref", self.roles.role(ref.key).label, ref.attribute)


def match_elements(
    ideal: dict[Key, Element], model: dict[Key, Element]
) -> tuple[list[Match], RoleFinder, RoleFinder]:
    """Pair ideal and model elements; return the matches and both sides' roles."""
    ideal_side, model_side = _Side(ideal), _Side(model)
    matches: list[Match] = []
    ideal_groups = _group(ideal.values())
    model_groups = _group(model.values())
    for group in sorted(set(ideal_groups) & set(model_groups)):
        matches.extend(
            _match_group(
                ideal_groups[group], model_groups[group], ideal_side, model_side
            )
        )
    matches.sort(key=lambda match: match.ideal)
    return matches, ideal_side.roles, model_side.roles


def similarity(first: frozenset, second: frozenset) -> float:
    if not first and not second:
        return 1.0
    return 2 * len(first & second) / (len(first) + len(second))


def _group(elements: Iterable[Element]) -> dict[tuple[str, str], list[Key]]:
    groups: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for element in elements:
        groups[(element.section, element.type)].append(element.key)
    for keys in groups.values():
        keys.sort()
    return groups


def _match_group(
    ideal_keys: list[Key], model_keys: list[Key], ideal: _Side, model: _Side
) -> list[Match]:
    matches: list[Match] = []
    by_role = _pass(
        ideal_keys,
        model_keys,
        lambda key: ideal.roles.role(key).match_key,
        lambda key: model.roles.role(key).match_key,
        ideal,
        model,
        "role",
        minimum=0.0,
    )
    matches.extend(by_role)
    used_ideal = {m.ideal for m in by_role}
    used_model = {m.model for m in by_role}
    matches.extend(
        _pass(
            [k for k in ideal_keys if k not in used_ideal],
            [k for k in model_keys if k not in used_model],
            lambda key: ideal.roles.role(key).hard_key,
            lambda key: model.roles.role(key).hard_key,
            ideal,
            model,
            "similarity",
            minimum=MIN_SIMILARITY,
        )
    )
    return matches


def _pass(
    ideal_keys: list[Key],
    model_keys: list[Key],
    ideal_bucket: Callable[[Key], Any],
    model_bucket: Callable[[Key], Any],
    ideal: _Side,
    model: _Side,
    method: str,
    minimum: float,
) -> list[Match]:
    ideal_buckets: dict[Any, list[Key]] = defaultdict(list)
    model_buckets: dict[Any, list[Key]] = defaultdict(list)
    for key in ideal_keys:
        ideal_buckets[ideal_bucket(key)].append(key)
    for key in model_keys:
        model_buckets[model_bucket(key)].append(key)
    matches = []
    for bucket, ideal_members in ideal_buckets.items():
        model_members = model_buckets.get(bucket)
        if model_members:
            matches.extend(
                _assign(ideal_members, model_members, ideal, model, method, minimum)
            )
    return matches


def _assign(
    ideal_keys: list[Key],
    model_keys: list[Key],
    ideal: _Side,
    model: _Side,
    method: str,
    minimum: float,
) -> list[Match]:
    scores = np.array(
        [
            [similarity(ideal.features(i), model.features(m)) for m in model_keys]
            for i in ideal_keys
        ]
    )
    rows, columns = linear_sum_assignment(scores, maximize=True)
    return [
        Match(ideal_keys[row], model_keys[column], method, float(scores[row, column]))
        for row, column in zip(rows, columns)
        if scores[row, column] >= minimum
    ]


def _flatten(
    value: Any,
    path: str,
    leaves: set,
    ref_token: Callable[[RefTo], Hashable],
) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else key, leaves, ref_token)
    elif isinstance(value, list):
        if all(isinstance(item, RefTo) for item in value) and value:
            leaves.add((path, tuple(sorted(map(str, map(ref_token, value))))))
            return
        for index, item in enumerate(value):
            _flatten(item, f"{path}[{index}]", leaves, ref_token)
    elif isinstance(value, RefTo):
        leaves.add((path, ref_token(value)))
    elif isinstance(value, Embedded):
        parts = tuple(
            ref_token(part) if isinstance(part, RefTo) else part for part in value.parts
        )
        leaves.add((path, parts))
    else:
        leaves.add((path, scalar_token(value)))
