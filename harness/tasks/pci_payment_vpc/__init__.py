"""The pci-payment-vpc task: its taxonomy (taxonomy.yaml) and one rule per item."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError
from harness.findings import Severity
from harness.taxonomy import Item, Rule, Task

PACKAGE_DIR = Path(__file__).resolve().parent
TAXONOMY_FILE = PACKAGE_DIR / "taxonomy.yaml"
_REQUIRED_FIELDS = (
    "id",
    "slug",
    "severity",
    "title",
    "category",
    "requirement",
    "doc_url",
    "impact",
    "training_value",
)


def load_items(path: Path = TAXONOMY_FILE) -> tuple[dict[str, Any], list[Item]]:
    """Read a taxonomy file and return its task header and its items."""
    data = yaml.safe_load(path.read_text())
    items = []
    for index, raw in enumerate(data.get("items") or []):
        missing = [name for name in _REQUIRED_FIELDS if not raw.get(name)]
        if missing:
            raise ConfigError(
                f"{path.name}: item {index + 1} is missing {', '.join(missing)}; "
                "add the fields to the item"
            )
        items.append(_item(raw))
    return data.get("task") or {}, items


def _item(raw: dict[str, Any]) -> Item:
    text = {name: str(raw[name]).strip() for name in _REQUIRED_FIELDS}
    return Item(
        id=text["id"],
        slug=text["slug"],
        severity=Severity(text["severity"]),
        title=text["title"],
        category=text["category"],
        requirement=text["requirement"],
        doc_url=text["doc_url"],
        impact=text["impact"],
        training_value=text["training_value"],
        scope=raw.get("scope", "template"),
        consequence_of=tuple(str(root) for root in raw.get("consequence_of") or ()),
    )


def load_rules() -> dict[str, Rule]:
    """Import every module of `rules/` and map its RULE's item id to the rule."""
    rules: dict[str, Rule] = {}
    for module_info in sorted(pkgutil.iter_modules([str(PACKAGE_DIR / "rules")])):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.rules.{module_info.name}")
        rule = module.RULE
        if rule.item_id in rules:
            raise ConfigError(
                f"rule module {module_info.name} repeats item {rule.item_id}; "
                "each item needs exactly one rule module"
            )
        rules[rule.item_id] = rule
    return rules


def _ideal_path() -> Path | None:
    candidate = PACKAGE_DIR.parents[2] / "responses" / "ideal"
    return candidate if candidate.is_dir() and any(candidate.iterdir()) else None


_header, ITEMS = load_items()
TASK = Task(
    id=_header.get("id", "pci-payment-vpc"),
    title=_header.get("title", ""),
    items=ITEMS,
    rules=load_rules(),
    ideal=_ideal_path(),
    description=str(_header.get("description", "")).strip(),
)
