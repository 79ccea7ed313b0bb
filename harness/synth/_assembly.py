"""Read a cloud assembly (cdk.out) into stacks, construct paths, sites and warnings."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness._synth_result import SourceSite, Stack

log = logging.getLogger(__name__)

STACK_TYPE = "aws:cloudformation:stack"
NESTED_ASSEMBLY_TYPE = "cdk:cloud-assembly"
NESTED_SUFFIX = ".NestedStack"
TEMPLATE_SECTIONS = ("Resources", "Outputs", "Parameters", "Conditions", "Mappings")
# A stack frame as CDK records it: "fn (/path/file.ts:12:5)" or "/path/file.py:12".
FRAME = re.compile(r"\(?(?P<path>/[^()]+?):(?P<line>\d+)(?::\d+)?\)?\s*$")


@dataclass
class Assembly:
    """The contents of a cloud assembly: stacks with metadata, lookups, annotations."""

    manifest: dict[str, Any]
    stacks: list[Stack] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    environments: dict[str, str] = field(default_factory=dict)


def read_assembly(
    outdir: Path, project_dir: Path, project_files: set[str]
) -> Assembly | None:
    """Return the assembly in `outdir`, or None when the app wrote no manifest.json.

    Sites are the innermost creation-stack frame that lies in one of
    `project_files` (paths relative to `project_dir`).
    """
    manifest_path = outdir / "manifest.json"
    if not manifest_path.exists():
        return None
    manifest = _load_json(outdir, manifest_path)
    assembly = Assembly(manifest=manifest, missing=list(manifest.get("missing", [])))
    locator = SiteLocator(project_dir, project_files)
    _read_artifacts(outdir, "", manifest, locator, assembly)
    return assembly


def _load_json(outdir: Path, path: Path) -> Any:
    """Return the JSON in `path`; raise ValueError if it lies outside `outdir`.

    The app writes the manifest, so a file name in it may point anywhere.
    """
    resolved = path.resolve()
    if not resolved.is_relative_to(outdir.resolve()):
        raise ValueError(f"{path.name} points outside cdk.out")
    return json.loads(resolved.read_text())


def _read_artifacts(
    outdir: Path, prefix: str, manifest: dict, locator: SiteLocator, assembly: Assembly
) -> None:
    """Add the stacks of one manifest; a Stage's nested assembly is read recursively.

    `prefix` is the nested assembly's directory relative to the top `outdir`,
    so template files stay relative to the top of cdk.out.
    """
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        kind = artifact.get("type")
        if kind == NESTED_ASSEMBLY_TYPE:
            _read_nested_assembly(outdir, prefix, artifact, locator, assembly)
        elif kind == STACK_TYPE:
            _read_stack(outdir, prefix, name, artifact, locator, assembly)


def _read_nested_assembly(
    outdir: Path, prefix: str, artifact: dict, locator: SiteLocator, assembly: Assembly
) -> None:
    directory = artifact.get("properties", {}).get("directoryName")
    manifest_path = outdir / prefix / str(directory) / "manifest.json"
    if not directory or not manifest_path.exists():
        log.warning("nested cloud assembly %s has no manifest.json", directory)
        return
    nested = _load_json(outdir, manifest_path)
    for request in nested.get("missing", []):
        if request not in assembly.missing:
            assembly.missing.append(request)
    _read_artifacts(outdir, f"{prefix}{directory}/", nested, locator, assembly)


def _read_stack(
    outdir: Path,
    prefix: str,
    name: str,
    artifact: dict,
    locator: SiteLocator,
    assembly: Assembly,
) -> None:
    base = outdir / prefix
    metadata = _artifact_metadata(base, artifact)
    assembly.environments[name] = artifact.get("environment", "")
    _collect_annotations(metadata, assembly)
    properties = artifact.get("properties", {})
    template_file = properties.get("templateFile", f"{name}.template.json")
    template = _load_json(outdir, base / template_file)
    stack = Stack(name=name, template=template, template_file=prefix + template_file)
    nested = _nested_stacks(outdir, prefix, stack)
    _attach_metadata([stack, *nested], metadata, locator)
    assembly.stacks.append(stack)
    assembly.stacks.extend(nested)


def _artifact_metadata(outdir: Path, artifact: dict[str, Any]) -> dict[str, list[dict]]:
    metadata = dict(artifact.get("metadata", {}))
    extra = artifact.get("additionalMetadataFile")
    if extra and (outdir / extra).exists():
        for path, entries in _load_json(outdir, outdir / extra).items():
            metadata[path] = [*metadata.get(path, []), *entries]
    return metadata


def _collect_annotations(metadata: dict[str, list[dict]], assembly: Assembly) -> None:
    for path, entries in sorted(metadata.items()):
        for entry in entries:
            kind = entry.get("type")
            if kind == "aws:cdk:warning":
                assembly.warnings.append(
                    f"[warning at {path}] {_text(entry.get('data'))}"
                )
            elif kind == "aws:cdk:error":
                assembly.errors.append(f"[error at {path}] {_text(entry.get('data'))}")


def _text(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data, sort_keys=True)


def _nested_stacks(outdir: Path, prefix: str, parent: Stack) -> list[Stack]:
    """Return the nested stacks that `parent` references as assets, recursively."""
    found: list[Stack] = []
    resources = parent.template.get("Resources", {})
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        meta = resource.get("Metadata", {})
        asset = meta.get("aws:asset:path")
        if not asset or not (outdir / prefix / asset).exists():
            continue
        path = _nested_construct_path(meta.get("aws:cdk:path", ""))
        name = path or f"{parent.name}/{logical_id}"
        template = _load_json(outdir, outdir / prefix / asset)
        child = Stack(name=name, template=template, template_file=prefix + asset)
        found.append(child)
        found.extend(_nested_stacks(outdir, prefix, child))
    return found


def _nested_construct_path(resource_path: str) -> str:
    """Return `Parent/Child` from the nested stack resource's path.

    CDK puts that resource at `Parent/Child.NestedStack/Child.NestedStackResource`.
    """
    parts = resource_path.split("/")
    if len(parts) >= 2 and parts[-2].endswith(NESTED_SUFFIX):
        return "/".join([*parts[:-2], parts[-2][: -len(NESTED_SUFFIX)]])
    return ""


def _attach_metadata(
    stacks: list[Stack], metadata: dict[str, list[dict]], locator: SiteLocator
) -> None:
    """Fill each stack's construct paths and sites from its artifact's metadata.

    An element belongs to the stack with the longest name that prefixes its
    path, so elements of a nested stack do not land in the parent.
    """
    by_depth = sorted(stacks, key=lambda stack: len(stack.name), reverse=True)
    element_ids = {stack.name: _element_ids(stack.template) for stack in stacks}
    for path, entries in sorted(metadata.items()):
        logical_id = _entry_data(entries, "aws:cdk:logicalId")
        if not isinstance(logical_id, str):
            continue
        construct_path = path.lstrip("/")
        owner = next(
            (s for s in by_depth if construct_path.startswith(s.name + "/")), stacks[0]
        )
        if logical_id not in element_ids[owner.name]:
            continue
        owner.construct_paths[logical_id] = construct_path
        site = locator.locate(_entry_data(entries, "aws:cdk:creationStack"))
        if site is not None:
            owner.sites[logical_id] = site


def _entry_data(entries: list[dict], kind: str) -> Any:
    for entry in entries:
        if entry.get("type") == kind:
            return entry.get("data")
    return None


def _element_ids(template: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for section in TEMPLATE_SECTIONS:
        value = template.get(section)
        if isinstance(value, dict):
            ids.update(value)
    return ids


class SiteLocator:
    """Map creation-stack frames to files of the response."""

    def __init__(self, project_dir: Path, project_files: set[str]) -> None:
        self.roots = {str(project_dir), str(project_dir.resolve())}
        self.files = project_files

    def locate(self, frames: Any) -> SourceSite | None:
        """Return the innermost frame inside the response, or None."""
        if not isinstance(frames, list):
            return None
        for frame in frames:
            site = self.site_of(frame) if isinstance(frame, str) else None
            if site is not None:
                return site
        return None

    def site_of(self, frame: str) -> SourceSite | None:
        match = FRAME.search(frame.strip())
        if match is None:
            return None
        relative = self.relative(match.group("path"))
        if relative is None:
            return None
        return SourceSite(relative, int(match.group("line")))

    def relative(self, path: str) -> str | None:
        """Return `path` relative to the project if it is a file of the response."""
        for root in self.roots:
            if path.startswith(root + "/"):
                relative = path[len(root) + 1 :]
                return relative if relative in self.files else None
        return None
