"""Parse CloudFormation template text (YAML with short intrinsic tags, or JSON).

The result is plain JSON data in long form (`{"Fn::GetAtt": [...]}`) plus the
1-based line where each resource's logical ID and each output's name is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

# Short-form tags and the long-form key each one stands for. `!Ref` and
# `!Condition` keep their names; every other tag `!X` becomes `Fn::X`.
_SHORT_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: f"Fn::{name}"
        for name in (
            "And",
            "Base64",
            "Cidr",
            "Equals",
            "FindInMap",
            "GetAZs",
            "GetAtt",
            "If",
            "ImportValue",
            "Join",
            "Length",
            "Not",
            "Or",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
        )
    },
}


class TemplateSyntaxError(ValueError):
    """Template text that is not valid YAML or JSON; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class ParsedText:
    """Template data in long form and where each resource and output starts
    in the text (1-based lines)."""

    data: Any
    format: str  # "yaml" or "json"
    resource_lines: dict[str, int] = field(default_factory=dict)
    duplicate_resources: list[str] = field(default_factory=list)
    output_lines: dict[str, int] = field(default_factory=dict)


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short tags and keeps dates as text.

    It rejects aliases (`*name`), because expanding nested aliases can make a
    small text huge. NOTE: the CloudFormation user guide lists aliases as
    unsupported; that was not tried against the service.
    """

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"YAML alias *{event.anchor} is not supported in CloudFormation "
                "templates; write the value out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)  # type: ignore[misc]


def _construct_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    key = _SHORT_TAGS.get(suffix)
    if key is None:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"unknown tag !{suffix}; CloudFormation short forms are "
            + ", ".join(f"!{tag}" for tag in sorted(_SHORT_TAGS)),
            node.start_mark,
        )
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if key == "Fn::GetAtt":
            resource, _, attribute = str(value).partition(".")
            value = [resource, attribute]
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {key: value}


def _construct_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # CloudFormation reads `2010-09-09` as the string it is, not as a date.
    return str(loader.construct_scalar(node))


_TemplateLoader.add_multi_constructor("!", _construct_tagged)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def parse_text(text: str, fmt: str | None = None) -> ParsedText:
    """Parse template text as JSON when it starts with `{`, else as YAML.

    Raises TemplateSyntaxError with the 1-based line of the first error.
    """
    if fmt == "json" or (fmt is None and text.lstrip().startswith("{")):
        return _parse_json(text)
    return _parse_yaml(text)


def _parse_yaml(text: str) -> ParsedText:
    loader = _TemplateLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        line = _error_line(exc, text.count("\n"))
        raise TemplateSyntaxError(_yaml_message(exc), line) from exc
    except yaml.YAMLError as exc:
        raise TemplateSyntaxError(str(exc), None) from exc
    except RecursionError as exc:
        raise TemplateSyntaxError(
            "the YAML is nested too deeply to read", None
        ) from exc
    finally:
        loader.dispose()
    lines, duplicates = _yaml_section_lines(node, "Resources")
    output_lines, _ = _yaml_section_lines(node, "Outputs")
    return ParsedText(data, "yaml", lines, duplicates, output_lines)


def _error_line(exc: yaml.MarkedYAMLError, last_line: int) -> int | None:
    """Return the 1-based line of the problem, or of its context at end of text.

    An unclosed bracket is detected at the end of the text; the line where
    the bracket opened is the one to fix.
    """
    mark = exc.problem_mark
    if mark is None or (mark.line >= last_line and exc.context_mark is not None):
        mark = exc.context_mark
    return mark.line + 1 if mark is not None else None


def _yaml_message(exc: yaml.MarkedYAMLError) -> str:
    parts = [exc.context or "", exc.problem or ""]
    return " ".join(part for part in parts if part) or str(exc)


def _yaml_section_lines(
    root: yaml.Node | None, section: str
) -> tuple[dict[str, int], list[str]]:
    """Return the line of each key of a top-level section, and the keys that
    appear more than once (the last one's line is kept)."""
    mapping = _mapping_value(root, section)
    if not isinstance(mapping, yaml.MappingNode):
        return {}, []
    lines: dict[str, int] = {}
    duplicates: list[str] = []
    for key_node, _ in mapping.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        if key_node.value in lines:
            duplicates.append(key_node.value)
        lines[key_node.value] = key_node.start_mark.line + 1
    return lines, duplicates


def _mapping_value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _parse_json(text: str) -> ParsedText:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateSyntaxError(exc.msg, exc.lineno) from exc
    except RecursionError as exc:
        raise TemplateSyntaxError(
            "the JSON is nested too deeply to read", None
        ) from exc
    return ParsedText(
        data,
        "json",
        _json_section_lines(text, data, "Resources"),
        output_lines=_json_section_lines(text, data, "Outputs"),
    )


def _json_section_lines(text: str, data: Any, section: str) -> dict[str, int]:
    """Find the line of each key of a top-level section after the section's key.

    JSON carries no positions, so this searches the text for each quoted
    key followed by a colon, in document order, from the first `"<section>"`.
    """
    mapping = data.get(section) if isinstance(data, dict) else None
    start = text.find(json.dumps(section))
    if not isinstance(mapping, dict) or start < 0:
        return {}
    lines: dict[str, int] = {}
    position = start
    for logical_id in mapping:
        pattern = re.compile(re.escape(json.dumps(logical_id)) + r"\s*:")
        match = pattern.search(text, position)
        if match is None:
            continue
        lines[logical_id] = text.count("\n", 0, match.start()) + 1
        position = match.end()
    return lines
