"""Loaders for the templates of one side of a diff and for a task's attribution table."""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from harness._synth_result import Stack
from harness.diff._attribution import Attribution
from harness.errors import ConfigError

if TYPE_CHECKING:
    from harness.synth import SynthSettings

logger = logging.getLogger(__name__)

_STACK_ARTIFACT = "aws:cloudformation:stack"


def load_attribution(task_id: str) -> Attribution:
    """Return `ATTRIBUTION` of `harness.tasks.<task>.attribution`; raise ConfigError if absent."""
    from harness.taxonomy import available_tasks

    module_name = f"harness.tasks.{task_id.replace('-', '_')}.attribution"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise
        raise ConfigError(
            f"task {task_id!r} has no attribution table (module {module_name} not "
            f"found); available tasks: {', '.join(available_tasks())}"
        ) from exc
    table = getattr(module, "ATTRIBUTION", None)
    if not isinstance(table, Attribution):
        raise ConfigError(
            f"{module_name}.ATTRIBUTION is missing or not an Attribution; "
            "define it as harness.diff.Attribution(name=..., rules=(...))"
        )
    return table


def load_stacks(
    path: Path, settings: SynthSettings | None = None
) -> tuple[list[Stack], str | None]:
    """Return the stacks of a cloud assembly, or ingest and synthesize a response.

    The second value is None on success, else a message saying what failed.
    A cloud assembly (a directory with `manifest.json`) is read as it is.
    """
    if not path.exists():
        return [], (
            f"response not found: {path}; pass a CDK project directory, a "
            "markdown file or a cloud assembly (cdk.out)"
        )
    if path.is_dir() and (path / "manifest.json").is_file():
        return read_cloud_assembly(path), None
    from harness.ingest import ingest
    from harness.synth import SynthSettings, synthesize

    project = ingest(path)
    result = synthesize(project, settings or SynthSettings())
    if result.ok:
        return result.stacks, None
    error = result.error
    if error is None:
        return [], f"synthesis of {path} produced no stacks"
    where = f" ({error.file}:{error.line})" if error.file else ""
    return [], (
        f"synthesis of {path} failed: {error.error_class.value}: {error.message}{where}"
    )


def read_cloud_assembly(directory: Path) -> list[Stack]:
    """Return the stacks listed in a cloud assembly's manifest, in manifest order."""
    manifest = json.loads((directory / "manifest.json").read_text())
    stacks = []
    for name, artifact in (manifest.get("artifacts") or {}).items():
        if artifact.get("type") != _STACK_ARTIFACT:
            continue
        template_file = (artifact.get("properties") or {}).get("templateFile")
        if not template_file:
            continue
        template = json.loads((directory / template_file).read_text())
        stacks.append(Stack(name=name, template=template, template_file=template_file))
    if not stacks:
        raise ConfigError(
            f"cloud assembly {directory} lists no CloudFormation stack; "
            "synthesize the app first (cdk synth) or pass the project directory"
        )
    logger.debug("read %d stacks from %s", len(stacks), directory)
    return stacks
