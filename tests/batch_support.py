"""A small real pipeline for testing the batch machinery without synthesis.

`toy_evaluate` has the signature of `harness.pipeline.evaluate_project`. It
reads directives from the response text: `TOY:FAIL=1,3` fails those items,
`TOY:SLEEP=0.5` sleeps, `TOY:HANG` hangs, `TOY:CRASH` kills its own process,
`TOY:RAISE` raises, `TOY:MEMORY=600` allocates that many MB, `TOY:NOSYNTH`
produces a model error. Module-level so that spawned workers can import it.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

from harness._project import Project, SourceFile
from harness._synth_result import SynthResult
from harness.errors import ErrorClass, ResponseError
from harness.evaluation import Evaluation, ResponseInfo
from harness.findings import Finding, Severity, Status
from harness.taxonomy import Item, Task

WEIGHTS = {Severity.CRITICAL: 10, Severity.HIGH: 5, Severity.MEDIUM: 2, Severity.LOW: 1}


def _item(number: str, slug: str, severity: Severity) -> Item:
    return Item(
        id=number,
        slug=slug,
        severity=severity,
        title=slug,
        category="toy",
        requirement=f"{slug} holds",
        doc_url="https://example.com",
        impact="",
        training_value="",
    )


TOY_TASK = Task(
    id="toy-task",
    title="Toy task",
    items=[
        _item("1", "alpha", Severity.CRITICAL),
        _item("2", "beta", Severity.HIGH),
        _item("3", "gamma", Severity.MEDIUM),
    ],
    rules={},
)


def toy_project(name: str, text: str) -> Project:
    return Project(
        name=name,
        kind="markdown",
        files={"app.py": SourceFile(path="app.py", text=text)},
    )


def toy_evaluate(project, *, info: ResponseInfo, ideal, settings, task) -> Evaluation:
    text = "\n".join(source.text for source in project.files.values())
    _run_side_effects(text)
    evaluation = Evaluation(
        response=info,
        task=task.id,
        outcome="pass",
        synth=SynthResult(language="python", entry="app.py", stacks=[]),
        project=project,
        settings={**settings.to_dict(), "toy_pid": os.getpid()},
        timings={"synth": 0.01},
    )
    if "TOY:NOSYNTH" in text:
        evaluation.synth.error = ResponseError(
            ErrorClass.SYNTAX_ERROR, "toy syntax error"
        )
        evaluation.outcome = "model_error"
        evaluation.score = {"score": 0.0, "complete": True}
        return evaluation
    failing = _failing_items(text)
    evaluation.findings = [
        Finding(
            item=item.id,
            status=Status.FAIL if item.id in failing else Status.PASS,
            expected=f"{item.slug} holds",
            actual="missing" if item.id in failing else "present",
        )
        for item in task.items
    ]
    evaluation.score = _score(task, failing, ideal is not None)
    evaluation.outcome = "fail" if failing else "pass"
    return evaluation


def _run_side_effects(text: str) -> None:
    sleep = re.search(r"TOY:SLEEP=([0-9.]+)", text)
    if sleep:
        time.sleep(float(sleep.group(1)))
    if "TOY:HANG" in text:
        time.sleep(3600)
    if "TOY:CRASH" in text:
        os.kill(os.getpid(), signal.SIGKILL)
    if "TOY:RAISE" in text:
        raise RuntimeError("toy pipeline raised on purpose")
    memory = re.search(r"TOY:MEMORY=([0-9]+)", text)
    if memory:
        block = bytearray(int(memory.group(1)) * 2**20)
        for offset in range(0, len(block), 4096):
            block[offset] = 1
        time.sleep(30)


def _failing_items(text: str) -> set[str]:
    match = re.search(r"TOY:FAIL=([0-9,]+)", text)
    return set(match.group(1).split(",")) if match else set()


def _score(task: Task, failing: set[str], had_ideal: bool) -> dict:
    total = sum(WEIGHTS[item.severity] for item in task.items)
    lost = sum(WEIGHTS[item.severity] for item in task.items if item.id in failing)
    by_severity: dict[str, int] = {}
    for item in task.items:
        if item.id in failing:
            by_severity[item.severity.value] = (
                by_severity.get(item.severity.value, 0) + 1
            )
    return {
        "score": round(100.0 * (total - lost) / total, 2),
        "deploy_score": 100.0,
        "complete": True,
        "failures_by_severity": by_severity,
        "counts_by_status": {
            "pass": len(task.items) - len(failing),
            "fail": len(failing),
        },
        "had_ideal": had_ideal,
    }


REPO = Path(__file__).resolve().parents[1]
IDEAL_DIR = REPO / "responses" / "ideal"
MODEL_MARKDOWN = REPO / "responses" / "model" / "MODEL_RESPONSE.md"
CORPUS = REPO.parent / "shared" / "corpus"
_LANGUAGES = {".py": "python", ".ts": "typescript", ".json": "json", ".md": "markdown"}
_SKIPPED_PARTS = {"__pycache__", "cdk.out", ".pytest_cache", "node_modules"}


def project_markdown(directory: Path) -> str:
    """Render a project directory as a markdown response, one fenced block per file."""
    parts = [f"# Response generated from {directory.name}\n"]
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory)
        if _SKIPPED_PARTS & set(relative.parts):
            continue
        text = path.read_text()
        fence = "````" if "```" in text else "```"
        language = _LANGUAGES.get(path.suffix, "")
        parts.append(f"## File: {relative.as_posix()}\n\n{fence}{language}\n{text}")
        parts.append(f"{'' if text.endswith(chr(10)) else chr(10)}{fence}\n")
    return "\n".join(parts)
