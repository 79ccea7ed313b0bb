"""Tasks, their taxonomy items, and the contract a rule implements.

A task bundles its taxonomy (data in the task package), one rule module per
item, and the path of its ideal response. Adding a task touches no core module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from harness._project import Project
from harness._synth_result import SynthResult
from harness.findings import Finding, Severity

if TYPE_CHECKING:
    from harness.template import TemplateModel

Scope = Literal["template", "project", "resynth"]


@dataclass(frozen=True)
class Item:
    """One entry of a task's failure taxonomy."""

    id: str
    slug: str
    severity: Severity
    title: str
    category: str
    requirement: str
    doc_url: str
    impact: str
    training_value: str
    scope: Scope = "template"
    consequence_of: tuple[str, ...] = ()


@dataclass
class RuleContext:
    """Inputs a rule may read about one response.

    `resynth` synthesizes the same project again with extra environment
    variables and context values. It is None where that is impossible: for a
    CloudFormation response, or after a failed first synthesis.
    """

    project: Project
    synth: SynthResult
    model: TemplateModel
    resynth: Callable[[dict[str, str], dict[str, Any]], SynthResult] | None = None


class Rule(Protocol):
    item_id: str

    def check(self, ctx: RuleContext) -> Finding: ...


@dataclass
class Task:
    id: str
    title: str
    items: list[Item]
    rules: dict[str, Rule]
    ideal: Path | None = None
    description: str = ""

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def load_task(task_id: str) -> Task:
    """Import `harness.tasks.<task_id>` (dashes become underscores) and return its TASK."""
    module_name = "harness.tasks." + task_id.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        from harness.errors import ConfigError

        raise ConfigError(
            f"unknown task {task_id!r}: no module {module_name}; "
            f"available tasks: {', '.join(available_tasks())}"
        ) from exc
    return module.TASK


def available_tasks() -> list[str]:
    tasks_dir = Path(__file__).parent / "tasks"
    return sorted(
        p.name.replace("_", "-")
        for p in tasks_dir.iterdir()
        if p.is_dir() and (p / "__init__.py").exists()
    )
