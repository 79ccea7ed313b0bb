"""Select the outputs of a template response that an output item is about."""

from __future__ import annotations

import re

from harness._synth_result import Stack

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")

# Output properties that set what an output item checks, cited inside each
# output of a template response that `OUTPUT_TARGET_TYPES` selects.
OUTPUT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "subnet-outputs": ("Value",),
    "s3-endpoint-output": ("Value",),
    "flow-log-group-output": ("Value",),
    "output-exports": ("Export",),
}

# Resource types an output item is about. A template response's outputs whose
# value refers to one of them are cited for the item, else all of its outputs.
OUTPUT_TARGET_TYPES: dict[str, tuple[str, ...]] = {
    "subnet-outputs": ("AWS::EC2::Subnet",),
    "s3-endpoint-output": ("AWS::EC2::VPCEndpoint",),
    "flow-log-group-output": ("AWS::Logs::LogGroup",),
}


def item_outputs(stack: Stack, key: str) -> list[str]:
    """Return the outputs whose value refers to a resource of the types item
    `key` is about, or every output when none does or the item names no type."""
    outputs = stack.template.get("Outputs") or {}
    resources = stack.template.get("Resources") or {}
    types = OUTPUT_TARGET_TYPES.get(key, ())
    about = [
        name
        for name, output in outputs.items()
        if isinstance(output, dict)
        and any(
            isinstance(resources.get(target), dict)
            and resources[target].get("Type") in types
            for target in _referenced_ids(output.get("Value"))
        )
    ]
    return about or list(outputs)


def _referenced_ids(value: object) -> set[str]:
    """Return the logical IDs a template value names in `Ref`, `Fn::GetAtt`
    and `Fn::Sub` variables."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _referenced_ids(item)
        return found
    if not isinstance(value, dict):
        return found
    for name, argument in value.items():
        if name == "Ref" and isinstance(argument, str):
            found.add(argument)
        elif name == "Fn::GetAtt":
            target = (
                argument[0] if isinstance(argument, list) and argument else argument
            )
            if isinstance(target, str):
                found.add(target.split(".")[0])
        elif name == "Fn::Sub":
            text = argument[0] if isinstance(argument, list) and argument else argument
            if isinstance(text, str):
                found |= {m.split(".")[0] for m in _SUB_VARIABLE.findall(text)}
            found |= _referenced_ids(argument)
        else:
            found |= _referenced_ids(argument)
    return found
