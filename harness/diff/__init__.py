"""Semantic diff of a model response's templates against an ideal response's.

`diff_templates` pairs resources, outputs, parameters and conditions by role and
property similarity (never by logical ID), lists what is on one side only and
what changed in each pair, and attributes every entry to taxonomy items.

NOTE: the template sections `Rules`, `Mappings`, `Metadata` and `Transform`
are not compared, and nested stacks (`AWS::CloudFormation::Stack`) are
compared as resources without reading their own templates.
"""

from __future__ import annotations

import logging

from harness._synth_result import Stack
from harness.diff._attribution import ALL_KINDS, Attribution, AttributionRule
from harness.diff._compare import Comparer
from harness.diff._elements import DiffInputError, load_elements, resource_counts
from harness.diff._inherit import inherit_items
from harness.diff._load import load_attribution, load_stacks, read_cloud_assembly
from harness.diff._match import match_elements
from harness.diff._model import (
    DiffEntry,
    ElementRef,
    EntryKind,
    MatchedPair,
    TemplateDiff,
)

__all__ = [
    "ALL_KINDS",
    "Attribution",
    "AttributionRule",
    "DiffEntry",
    "DiffInputError",
    "ElementRef",
    "EntryKind",
    "MatchedPair",
    "TemplateDiff",
    "diff_templates",
    "load_attribution",
    "load_stacks",
    "read_cloud_assembly",
]

logger = logging.getLogger(__name__)


def diff_templates(
    ideal: list[Stack],
    model: list[Stack],
    attribution: Attribution | None = None,
    region: str = "us-east-1",
) -> TemplateDiff:
    """Diff the model's stacks against the ideal's, pooling the stacks of each side.

    `region` resolves `Fn::GetAZs`, `AWS::Region` and literal AZ names so that
    both sides name zones alike. Without `attribution` every entry is
    unexplained. With it, an unexplained one-sided resource that only supports
    explained one-sided resources inherits their items.
    """
    if attribution is not None and not isinstance(attribution, Attribution):
        raise DiffInputError(
            f"invalid attribution {type(attribution).__name__}: expected a "
            "harness.diff.Attribution; load a task's table with "
            "harness.diff.load_attribution(task_id)"
        )
    ideal_elements = load_elements(ideal, region)
    model_elements = load_elements(model, region)
    matches, ideal_roles, model_roles = match_elements(ideal_elements, model_elements)
    comparer = Comparer(
        ideal_elements, model_elements, matches, ideal_roles, model_roles
    )
    entries = comparer.entries()
    if attribution is not None:
        entries = [attribution.attribute(entry) for entry in entries]
        entries = inherit_items(entries, ideal_roles, model_roles)
    entries.sort(key=DiffEntry.sort_key)
    pairs = sorted(
        (
            MatchedPair(
                section=ideal_elements[m.ideal].section,
                type=ideal_elements[m.ideal].type,
                role=ideal_roles.role(m.ideal).label,
                ideal=ElementRef(*m.ideal),
                model=ElementRef(*m.model),
                method=m.method,
                similarity=round(m.similarity, 3),
            )
            for m in matches
        ),
        key=lambda p: (p.section, p.type, p.role, p.ideal.logical_id),
    )
    result = TemplateDiff(
        region=region,
        pairs=pairs,
        entries=entries,
        counts=_counts(ideal_elements, model_elements),
        attribution=attribution.name if attribution else None,
    )
    logger.debug(
        "diffed %d ideal and %d model elements: %d pairs, %d entries",
        len(ideal_elements),
        len(model_elements),
        len(pairs),
        len(entries),
    )
    return result


def _counts(ideal, model) -> dict[str, dict[str, int]]:
    ideal_counts, model_counts = resource_counts(ideal), resource_counts(model)
    return {
        rtype: {
            "ideal": ideal_counts.get(rtype, 0),
            "model": model_counts.get(rtype, 0),
        }
        for rtype in sorted(set(ideal_counts) | set(model_counts))
    }
