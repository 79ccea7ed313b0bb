"""Template elements in a form that carries no naming: refs as objects, no CDK noise.

A synthesized template names everything after construct paths plus hashes. This
module turns each resource, output, parameter and condition into an `Element`
whose body keeps only what has meaning. It drops `Metadata`, `DependsOn` (the
deployment order), output and parameter descriptions, CDK's
`AWS::CDK::Metadata` resource and the bootstrap-version parameter. It replaces
asset hashes, construct paths, the stack name and CDK logical IDs inside
strings by placeholders. Every `Ref` or `Fn::GetAtt` to an element of the same
stack becomes a `RefTo`, which the diff compares by matched counterpart, never
by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness._synth_result import Stack
from harness.errors import HarnessError

Key = tuple[str, str]
SECTIONS = ("parameters", "conditions", "resources", "outputs")

_CDK_METADATA_TYPE = "AWS::CDK::Metadata"
_BOOTSTRAP_DEFAULT = re.compile(r"^/cdk-bootstrap/[^/]+/version$")
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
# CDK appends an 8-character upper-case hex hash to the logical IDs it derives.
_CDK_LOGICAL_ID = re.compile(r"^[A-Za-z0-9]+[0-9A-F]{8}$")
_LITERAL_AZ = re.compile(r"^[a-z][a-z0-9-]*\d([a-z])$")
_AZ_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_PSEUDO_VALUES = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# Tags whose value is a construct's name, not a property of the resource.
_NAMING_TAGS = frozenset({"aws-cdk:subnet-name"})
# Human-readable text that never changes what is deployed.
_DROPPED_OUTPUT_KEYS = frozenset({"Description"})
CONSTRUCT_PATH = "<construct-path>"
STACK_NAME = "<stack-name>"
ASSET_HASH = "<asset-hash>"


class DiffInputError(HarnessError):
    """A template given to the diff is not valid CloudFormation JSON."""

    exit_code = 2


@dataclass(frozen=True)
class RefTo:
    """A `Ref` (attribute None) or `Fn::GetAtt` to an element of the same stack."""

    key: Key
    attribute: str | None = None


@dataclass(frozen=True)
class Embedded:
    """A string with logical IDs inside it, split into text and `RefTo` parts."""

    parts: tuple[str | RefTo, ...]


@dataclass
class Element:
    """One resource, output, parameter or condition with its normalized body."""

    section: str
    stack: str
    logical_id: str
    type: str
    body: dict[str, Any]
    refs: list[tuple[str, RefTo]] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.stack, self.logical_id)


def load_elements(stacks: list[Stack], region: str) -> dict[Key, Element]:
    """Return every meaningful element of `stacks`, keyed by (stack, logical ID)."""
    elements: dict[Key, Element] = {}
    for stack in stacks:
        elements.update(_StackNormalizer(stack, region).elements())
    return elements


def resource_counts(elements: dict[Key, Element]) -> dict[str, int]:
    """Return the number of resources per resource type."""
    counts: dict[str, int] = {}
    for element in elements.values():
        if element.section == "resources":
            counts[element.type] = counts.get(element.type, 0) + 1
    return counts


class _StackNormalizer:
    """Normalizes the elements of one stack's template."""

    def __init__(self, stack: Stack, region: str) -> None:
        template = stack.template
        if not isinstance(template, dict):
            raise DiffInputError(
                f"invalid template of stack {stack.name!r}: expected a JSON object, "
                f"got {type(template).__name__}; pass the synthesized template"
            )
        for name in SECTIONS:
            section = template.get(name.capitalize())
            if section is not None and not isinstance(section, dict):
                raise DiffInputError(
                    f"invalid template of stack {stack.name!r}: "
                    f"{name.capitalize()} is a {type(section).__name__}, "
                    "expected a JSON object keyed by logical ID"
                )
        self.stack = stack
        self.region = region
        self.sections = {
            name: dict(template.get(name.capitalize()) or {}) for name in SECTIONS
        }
        self._drop_cdk_elements()
        self.names = {
            logical_id: (section, logical_id)
            for section in ("parameters", "resources", "conditions")
            for logical_id in self.sections[section]
        }
        self.construct_paths = _construct_path_prefixes(stack, template)
        self.embedded_ids = _embedded_id_pattern(self.sections["resources"])
        self.stack_name_pattern = re.compile(_standalone(re.escape(stack.name)))

    def elements(self) -> dict[Key, Element]:
        found: dict[Key, Element] = {}
        for section in SECTIONS:
            for logical_id, raw in self.sections[section].items():
                element = self._element(section, logical_id, raw)
                found[element.key] = element
        return found

    def _drop_cdk_elements(self) -> None:
        resources = self.sections["resources"]
        parameters = self.sections["parameters"]
        dropped_conditions = {
            resource.get("Condition")
            for resource in resources.values()
            if isinstance(resource, dict) and resource.get("Type") == _CDK_METADATA_TYPE
        }
        for logical_id in [
            lid
            for lid, resource in resources.items()
            if isinstance(resource, dict) and resource.get("Type") == _CDK_METADATA_TYPE
        ]:
            del resources[logical_id]
        for logical_id in [
            lid
            for lid, parameter in parameters.items()
            if isinstance(parameter, dict)
            and _BOOTSTRAP_DEFAULT.match(str(parameter.get("Default", "")))
        ]:
            del parameters[logical_id]
        still_used = _condition_names_used(self.sections)
        for name in dropped_conditions - still_used:
            self.sections["conditions"].pop(name, None)

    def _element(self, section: str, logical_id: str, raw: Any) -> Element:
        element_type, body = self._split_body(section, logical_id, raw)
        refs: list[tuple[str, RefTo]] = []
        normalized = self._value(body, "", refs, key_name="")
        condition = body.get("Condition") if section != "conditions" else None
        if isinstance(condition, str) and condition in self.sections["conditions"]:
            normalized["Condition"] = RefTo((self.stack.name, condition), None)
            refs.append(("Condition", normalized["Condition"]))
        return Element(
            section, self.stack.name, logical_id, element_type, normalized, refs
        )

    def _split_body(
        self, section: str, logical_id: str, raw: Any
    ) -> tuple[str, dict[str, Any]]:
        if section != "conditions" and not isinstance(raw, dict):
            raise DiffInputError(
                f"invalid {section[:-1]} {logical_id!r} in stack {self.stack.name!r}: "
                f"expected a JSON object, got {raw!r:.80}"
            )
        if section == "resources":
            if "Type" not in raw:
                raise DiffInputError(
                    f"invalid resource {logical_id!r} in stack {self.stack.name!r}: "
                    "it has no Type; every CloudFormation resource needs one"
                )
            body = {
                k: v
                for k, v in raw.items()
                if k not in ("Type", "Metadata", "DependsOn")
            }
            return str(raw["Type"]), body
        if section == "outputs":
            body = {k: v for k, v in raw.items() if k not in _DROPPED_OUTPUT_KEYS}
            return "Output", body
        if section == "parameters":
            body = {k: v for k, v in raw.items() if k != "Description"}
            return "Parameter", body
        return "Condition", {"Expression": raw}

    def _value(self, value: Any, path: str, refs: list, key_name: str) -> Any:
        if isinstance(value, dict):
            return self._mapping(value, path, refs)
        if isinstance(value, list):
            if key_name == "Tags" and _is_tag_list(value):
                return self._tags(value, path, refs)
            return [
                self._value(item, f"{path}[{index}]", refs, key_name)
                for index, item in enumerate(value)
            ]
        if isinstance(value, str):
            return self._string(value, path, refs, key_name)
        return value

    def _mapping(self, value: dict, path: str, refs: list) -> Any:
        if len(value) == 1:
            resolved = self._intrinsic(value, path, refs)
            if resolved is not _NOT_INTRINSIC:
                return resolved
        return {
            key: self._value(item, _join_path(path, key), refs, key)
            for key, item in value.items()
        }

    def _intrinsic(self, value: dict, path: str, refs: list) -> Any:
        ((name, argument),) = value.items()
        if name == "Ref" and isinstance(argument, str):
            return self._ref(argument, None, path, refs, value)
        if name == "Fn::GetAtt":
            target, attribute = _get_att_parts(argument)
            if target is not None:
                return self._ref(target, attribute, path, refs, value)
        if name == "Fn::Select":
            zone = self._availability_zone(argument)
            if zone is not None:
                return zone
        if name == "Fn::Join":
            return self._join(argument, path, refs)
        if name == "Fn::Sub":
            return self._sub(argument, path, refs)
        if name == "Fn::If" and isinstance(argument, list) and len(argument) == 3:
            condition = self._condition(argument[0], path, refs)
            branches = self._value(argument[1:], path, refs, "")
            return {"Fn::If": [condition, *branches]}
        if name == "Condition" and path:
            return self._condition(argument, path, refs)
        return _NOT_INTRINSIC

    def _condition(self, name: Any, path: str, refs: list) -> Any:
        """Return a condition name as a `RefTo`, so conditions compare by counterpart."""
        if not (isinstance(name, str) and name in self.sections["conditions"]):
            return name
        ref = RefTo((self.stack.name, name), None)
        refs.append((path, ref))
        return ref

    def _ref(self, target: str, attribute, path: str, refs: list, raw: dict) -> Any:
        if target == "AWS::Region":
            return self.region
        if target in _PSEUDO_VALUES:
            return _PSEUDO_VALUES[target]
        if target not in self.names:
            return raw
        ref = RefTo((self.stack.name, target), attribute)
        refs.append((path, ref))
        return ref

    def _availability_zone(self, argument: Any) -> str | None:
        if not (isinstance(argument, list) and len(argument) == 2):
            return None
        index, source = argument
        if not (isinstance(source, dict) and "Fn::GetAZs" in source):
            return None
        try:
            position = int(index)
        except (TypeError, ValueError):
            return None
        if not 0 <= position < len(_AZ_LETTERS):
            return None
        return self.region + _AZ_LETTERS[position]

    def _join(self, argument: Any, path: str, refs: list) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            return {"Fn::Join": self._value(argument, path, refs, "")}
        delimiter, parts = argument
        normalized = self._value(parts, path, refs, "")
        if not isinstance(normalized, list):
            return {"Fn::Join": [delimiter, normalized]}
        return self._joined(str(delimiter), normalized, path, refs)

    def _joined(self, delimiter: str, parts: list, path: str, refs: list) -> Any:
        """Return normalized join parts as one string when all are strings, else
        as `Fn::Join` with adjacent strings merged, so equal joins compare equal
        however their literal text is split."""
        merged = _merge_strings(delimiter, parts)
        if all(isinstance(part, str) for part in merged):
            return self._string(delimiter.join(merged), path, refs, "")
        return {"Fn::Join": [delimiter, merged]}

    def _sub(self, argument: Any, path: str, refs: list) -> Any:
        """Return `Fn::Sub` as the equivalent `Fn::Join` with an empty delimiter,
        which is how CDK writes the same string.

        Variables resolve as `Ref` and `Fn::GetAtt` do: the region and the
        partition to their values, parameters and resources to `RefTo`. The
        list form's variables are normalized values, and `${!Name}` is the
        literal text `${Name}`.
        """
        if isinstance(argument, str):
            text, variables = argument, {}
        elif (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            text, variables = argument
        else:
            return {"Fn::Sub": self._value(argument, path, refs, "")}
        parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(text):
            parts.append(self._string(text[position : match.start()], path, refs, ""))
            parts.append(
                self._sub_variable(match.group(1).strip(), variables, path, refs)
            )
            position = match.end()
        parts.append(self._string(text[position:], path, refs, ""))
        return self._joined("", parts, path, refs)

    def _sub_variable(self, name: str, variables: dict, path: str, refs: list) -> Any:
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in variables:
            return self._value(variables[name], path, refs, "")
        if "." in name and not name.startswith("AWS::"):
            target, attribute = name.split(".", 1)
            raw = {"Fn::GetAtt": [target, attribute]}
            return self._ref(target, attribute, path, refs, raw)
        return self._ref(name, None, path, refs, {"Ref": name})

    def _tags(self, tags: list, path: str, refs: list) -> dict:
        normalized = {}
        for tag in sorted(tags, key=lambda t: str(t["Key"])):
            if tag["Key"] in _NAMING_TAGS:
                continue
            tag_path = _join_path(path, str(tag["Key"]))
            normalized[str(tag["Key"])] = self._value(tag["Value"], tag_path, refs, "")
        return normalized

    def _string(self, value: str, path: str, refs: list, key_name: str) -> Any:
        if value in self.construct_paths or self._looks_like_construct_path(value):
            return CONSTRUCT_PATH
        if key_name in ("AvailabilityZone", "AvailabilityZones"):
            literal = _LITERAL_AZ.match(value)
            if literal:
                return self.region + literal.group(1)
        value = _ASSET_HASH.sub(ASSET_HASH, value)
        value = self.stack_name_pattern.sub(STACK_NAME, value)
        return self._embedded(value, path, refs)

    def _looks_like_construct_path(self, value: str) -> bool:
        """CDK tags VPC resources with `Name` set to their construct path."""
        return value.startswith(self.stack.name + "/") and not any(
            character.isspace() for character in value
        )

    def _embedded(self, value: str, path: str, refs: list) -> Any:
        if self.embedded_ids is None or not self.embedded_ids.search(value):
            return value
        parts: list[str | RefTo] = []
        position = 0
        for match in self.embedded_ids.finditer(value):
            if match.start() > position:
                parts.append(value[position : match.start()])
            ref = RefTo((self.stack.name, match.group(0)), None)
            refs.append((path, ref))
            parts.append(ref)
            position = match.end()
        if position < len(value):
            parts.append(value[position:])
        return Embedded(tuple(parts))


def _merge_strings(delimiter: str, parts: list) -> list:
    """Return join parts with each run of adjacent strings joined by `delimiter`.

    With an empty delimiter, empty strings are dropped because they add nothing.
    """
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + delimiter + part
        elif not (part == "" and delimiter == ""):
            merged.append(part)
    return merged


class _NotIntrinsic:
    pass


_NOT_INTRINSIC = _NotIntrinsic()


def _join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_tag_list(value: list) -> bool:
    return all(isinstance(tag, dict) and set(tag) == {"Key", "Value"} for tag in value)


def _get_att_parts(argument: Any) -> tuple[str | None, str | None]:
    if isinstance(argument, str) and "." in argument:
        target, attribute = argument.split(".", 1)
        return target, attribute
    if (
        isinstance(argument, list)
        and len(argument) == 2
        and all(isinstance(part, str) for part in argument)
    ):
        return argument[0], argument[1]
    return None, None


def _condition_names_used(sections: dict[str, dict]) -> set[str]:
    used: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("Condition", "Fn::If") and isinstance(item, str):
                    used.add(item)
                elif key == "Fn::If" and isinstance(item, list) and item:
                    used.add(str(item[0]))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for section in ("resources", "outputs", "conditions"):
        walk(sections[section])
    return used


def _construct_path_prefixes(stack: Stack, template: dict) -> frozenset[str]:
    """Return every construct path of the stack and all of its ancestors."""
    paths = set(stack.construct_paths.values())
    for resource in (template.get("Resources") or {}).values():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict) and isinstance(metadata.get("aws:cdk:path"), str):
            paths.add(metadata["aws:cdk:path"])
    prefixes = set()
    for path in paths:
        segments = path.split("/")
        for end in range(2, len(segments) + 1):
            prefixes.add("/".join(segments[:end]))
    return frozenset(prefixes)


def _embedded_id_pattern(resources: dict) -> re.Pattern[str] | None:
    """Match CDK-derived resource logical IDs standing alone inside a string."""
    ids = sorted(
        (lid for lid in resources if _CDK_LOGICAL_ID.match(lid)), key=len, reverse=True
    )
    if not ids:
        return None
    return re.compile(_standalone("|".join(re.escape(lid) for lid in ids)))


def _standalone(alternatives: str) -> str:
    """Return a pattern for the alternatives with no letter or digit either side."""
    return rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])"


def scalar_token(value: Any) -> Any:
    """Return a scalar as CloudFormation reads it: 6, 6.0 and "6" are equal, as are
    true and "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value in ("true", "false", "True", "False"):
        return value.lower()
    return value
