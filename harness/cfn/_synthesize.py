"""Turn a CloudFormation template response into a SynthResult.

Error classes:
- a project with no files is `unparseable_response`;
- files but no whole template (nothing, or only snippets) is `no_entry_point`;
- template text that does not parse is `syntax_error`, with file and line;
- a template whose references name undefined things, or whose Resources
  section is missing or malformed, is `invalid_template`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from harness._project import Project
from harness._synth_result import SourceSite, Stack, SynthResult
from harness.cfn._find import TemplateCandidate, TemplateChoice, find_templates
from harness.cfn._intrinsics import DEFAULT_ACCOUNT, DEFAULT_REGION
from harness.cfn._loader import ParsedText
from harness.cfn._normalize import normalize
from harness.cfn._references import undefined_references
from harness.errors import ErrorClass, ResponseError

logger = logging.getLogger(__name__)

_MAX_LISTED = 10


def synthesize_template(
    project: Project,
    settings: Any = None,
    *,
    parameters: Mapping[str, Any] | None = None,
) -> SynthResult:
    """Parse and normalize a response's CloudFormation template.

    `settings` may be any object with `region` and `account` attributes
    (defaults us-east-1 and 123456789012); `parameters` overrides parameter
    Defaults. A fault of the response is returned in `error`, not raised.
    """
    region = getattr(settings, "region", None) or DEFAULT_REGION
    account = getattr(settings, "account", None) or DEFAULT_ACCOUNT
    started = time.perf_counter()
    choice = find_templates(project)
    found = time.perf_counter()
    result = SynthResult(language="cloudformation", entry=None)
    result.manifest = {"cloudformation": choice.to_dict()}
    result.warnings = list(choice.warnings)
    result.timings["find"] = round(found - started, 4)
    if choice.chosen is None or choice.parsed is None:
        result.error = _no_template_error(project, choice)
        return result
    chosen = choice.chosen
    result.entry = chosen.file
    data = choice.parsed.data
    try:
        transforms = _transforms(data)
        error = _shape_error(chosen, data)
        if error is None and not transforms:
            error = _reference_error(chosen, data)
        if error is None:
            normalized = normalize(data, region, account, parameters)
    except RecursionError:
        error = ResponseError(
            ErrorClass.INVALID_TEMPLATE,
            f"{chosen.file} is nested too deeply to read",
            file=chosen.file,
        )
    if error is not None:
        result.error = error
        return result
    if transforms:
        result.warnings.append(_transform_warning(chosen, transforms))
    result.warnings += _duplicate_warnings(chosen, choice.parsed.duplicate_resources)
    result.warnings += normalized.notes
    result.context = {"region": region, "account": account}
    if parameters:
        result.context["parameters"] = dict(parameters)
    result.stacks = [_stack(chosen, normalized.template, choice.parsed)]
    result.timings["normalize"] = round(time.perf_counter() - found, 4)
    return result


def _stack(chosen: TemplateCandidate, template: dict, parsed: ParsedText) -> Stack:
    return Stack(
        name=PurePosixPath(chosen.file).stem or "template",
        template=template,
        template_file=chosen.file,
        sites=_sites(chosen.file, template, "Resources", parsed.resource_lines),
        output_sites=_sites(chosen.file, template, "Outputs", parsed.output_lines),
    )


def _sites(
    file: str, template: dict, section: str, lines: dict[str, int]
) -> dict[str, SourceSite]:
    """Return the site of each key of a template section whose line is known."""
    keys = template.get(section) or {}
    return {key: SourceSite(file, lines[key]) for key in keys if key in lines}


def _no_template_error(project: Project, choice: TemplateChoice) -> ResponseError:
    if not project.files:
        return ResponseError(
            ErrorClass.UNPARSEABLE_RESPONSE,
            "the response has no files, so it holds no CloudFormation template",
        )
    invalid = [c for c in choice.rejected if c.kind == "invalid"]
    if invalid:
        first = invalid[0]
        markdown_line = _markdown_line(project, first)
        where = f" at line {first.error_line}" if first.error_line else ""
        if markdown_line:
            where += f" (markdown line {markdown_line})"
        return ResponseError(
            ErrorClass.SYNTAX_ERROR,
            f"invalid {(first.format or 'template').upper()} in {first.file}"
            f"{where}: {first.error_message}",
            file=first.file,
            line=first.error_line,
        )
    fragments = [c.file for c in choice.rejected if c.kind == "fragment"]
    detail = (
        f"only template snippets were found ({', '.join(fragments)}); "
        if fragments
        else ""
    )
    return ResponseError(
        ErrorClass.NO_ENTRY_POINT,
        f"no CloudFormation template found among {len(project.files)} file(s): "
        f"{detail}a template is a YAML or JSON document with "
        "AWSTemplateFormatVersion or a Resources section of typed resources",
    )


def _markdown_line(project: Project, candidate: TemplateCandidate) -> int | None:
    source = project.files.get(candidate.file)
    if source is None or candidate.error_line is None:
        return None
    return source.markdown_line(candidate.error_line)


def _shape_error(chosen: TemplateCandidate, data: Any) -> ResponseError | None:
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return ResponseError(
            ErrorClass.INVALID_TEMPLATE,
            f"{chosen.file} has no Resources section with at least one resource; "
            "CloudFormation requires one",
            file=chosen.file,
        )
    untyped = [
        logical_id
        for logical_id, entry in resources.items()
        if not (isinstance(entry, dict) and isinstance(entry.get("Type"), str))
    ]
    if untyped:
        return ResponseError(
            ErrorClass.INVALID_TEMPLATE,
            f"{chosen.file}: resource(s) without a Type: {', '.join(untyped)}",
            file=chosen.file,
        )
    return None


def _reference_error(chosen: TemplateCandidate, data: Any) -> ResponseError | None:
    bad = undefined_references(data)
    if not bad:
        return None
    listed = "; ".join(reference.describe() for reference in bad[:_MAX_LISTED])
    more = f" (and {len(bad) - _MAX_LISTED} more)" if len(bad) > _MAX_LISTED else ""
    names = sorted({reference.name for reference in bad})
    return ResponseError(
        ErrorClass.INVALID_TEMPLATE,
        f"{chosen.file} refers to undefined names {', '.join(names)}: "
        f"{listed}{more}; declare them or fix the references",
        file=chosen.file,
        detail="\n".join(reference.describe() for reference in bad),
    )


def _transforms(data: dict) -> list[str]:
    declared = data.get("Transform")
    items = declared if isinstance(declared, list) else [declared]
    return [str(item) for item in items if item]


def _transform_warning(chosen: TemplateCandidate, transforms: list[str]) -> str:
    # A transform such as AWS::Serverless-2016-10-31 creates resources (a
    # function's role, an API's stage) that the template may refer to.
    return (
        f"{chosen.file} declares Transform {', '.join(transforms)}; the harness "
        "does not expand transforms, so rules read the resources as written and "
        "references to names the transform would create are not checked"
    )


def _duplicate_warnings(chosen: TemplateCandidate, duplicates: list[str]) -> list[str]:
    return [
        f"{chosen.file}: resource {logical_id} is declared more than once; "
        "the last declaration is used"
        for logical_id in duplicates
    ]
