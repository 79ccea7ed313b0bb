"""Load the rule fixtures under fixtures/templates/ and build rule contexts.

A fixture is a JSON document naming a base template (or giving one inline),
JSON Patch operations (add, remove, replace) to apply to it, optional project
files, and the finding the rule must return:

    {"base": "pci_vpc.json", "patch": [{"op": "remove", "path": "/Resources/X"}],
     "files": {"README.md": "..."}, "language": "python",
     "resynth_patch": [...],
     "expect": {"status": "fail", "evidence": ["X"], "consequence_of": []}}

`resynth_patch`, when present, gives the template that a second synthesis
with the setting of rule 18 produces: the fixture's template with this patch.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness._project import Project, SourceFile
from harness._synth_result import Stack, SynthResult
from harness.taxonomy import RuleContext
from harness.template import TemplateModel

TEMPLATES = Path(__file__).resolve().parent / "fixtures" / "templates"
STACK_NAME = "PciNetwork"


@dataclass(frozen=True)
class RuleFixture:
    path: Path
    data: dict[str, Any]

    @property
    def rule_module(self) -> str:
        return self.path.parent.name

    @property
    def name(self) -> str:
        return f"{self.rule_module}/{self.path.stem}"

    @property
    def expect(self) -> dict[str, Any]:
        return self.data["expect"]

    def template(self) -> dict[str, Any]:
        base = self.data.get("template")
        if base is None:
            base = json.loads(
                (TEMPLATES / self.data.get("base", "pci_vpc.json")).read_text()
            )
        return apply_patch(base, self.data.get("patch", []))

    def context(self) -> RuleContext:
        template = self.template()
        stack = Stack(STACK_NAME, template, f"{STACK_NAME}.template.json")
        language = self.data.get("language", "python")
        synth = SynthResult(language=language, entry=None, stacks=[stack])
        files = {
            path: SourceFile(path=path, text=text)
            for path, text in self.data.get("files", {}).items()
        }
        project = Project(name=self.name, kind="directory", files=files)
        resynth = None
        if "resynth_patch" in self.data:
            second = apply_patch(template, self.data["resynth_patch"])

            def resynth(env: dict[str, str], context: dict[str, Any]) -> SynthResult:
                stack = Stack(STACK_NAME, second, f"{STACK_NAME}.template.json")
                return SynthResult(language=language, entry=None, stacks=[stack])

        return RuleContext(project, synth, TemplateModel([stack]), resynth)


def rule_fixtures() -> list[RuleFixture]:
    """Return every fixture under fixtures/templates/<rule module>/."""
    return [
        RuleFixture(path, json.loads(path.read_text()))
        for path in sorted(TEMPLATES.glob("r[0-9][0-9]_*/*.json"))
    ]


def evidence_names(finding) -> list[str]:
    """Return each evidence's logical ID, or "file[:line]" for project evidence."""
    names = []
    for evidence in finding.evidence:
        if evidence.logical_id:
            names.append(evidence.logical_id)
        elif evidence.line:
            names.append(f"{evidence.file}:{evidence.line}")
        else:
            names.append(str(evidence.file))
    return names


def apply_patch(document: Any, operations: list[dict[str, Any]]) -> Any:
    """Apply JSON Patch add/remove/replace operations to a copy of `document`."""
    result = copy.deepcopy(document)
    for operation in operations:
        *parents, last = _pointer(operation["path"])
        target = result
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        op = operation["op"]
        if isinstance(target, list):
            index = len(target) if last == "-" else int(last)
            if op == "remove":
                del target[index]
            elif op == "add":
                target.insert(index, operation["value"])
            else:
                target[index] = operation["value"]
        elif op == "remove":
            del target[last]
        else:
            if op == "replace" and last not in target:
                raise KeyError(f"replace of missing {operation['path']}")
            target[last] = operation["value"]
    return result


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]
