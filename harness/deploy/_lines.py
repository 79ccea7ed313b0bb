"""Find the line of a template file that a deployability finding refers to.

A CDK stack's `template_file` is the JSON the CDK wrote, which is
byte-identical to `render(template)`. A CloudFormation response's
`template_file` is the response's own YAML or JSON file, whose text the
caller may pass in. Without that text only the line where a resource starts
(`Stack.sites`) is known.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cfnlint.decode.decode import decode_str

from harness._synth_result import Stack

_SEGMENT = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def render(template: dict[str, Any]) -> str:
    """Return the template as the CDK writes it (JSON, one-space indentation)."""
    return json.dumps(template, indent=1)


class Locator:
    """Find the `template_file` line of a resource property of one stack."""

    def __init__(self, stack: Stack, source_text: str | None = None) -> None:
        self.stack = stack
        # True when the text searched is the JSON rendering that cfn-lint reads.
        self.lints_rendering = source_text is None and stack.template_file.endswith(
            ".template.json"
        )
        self._text = render(stack.template) if self.lints_rendering else source_text
        self._decoded: Any = None

    def line(self, logical_id: str | None, property_path: str | None) -> int | None:
        """Return the line of the property (or its resource), None when unknown."""
        found = None
        if self._text is not None:
            if self._decoded is None:
                self._decoded, _ = decode_str(self._text)
            path: list[str | int] = ["Resources", logical_id] if logical_id else []
            found = _find_line(self._decoded, path + _segments(property_path))
        if found is None and logical_id is not None and not self.stack.construct_paths:
            site = self.stack.sites.get(logical_id)
            found = site.line if site is not None else None
        return found


def _segments(property_path: str | None) -> list[str | int]:
    if not property_path:
        return []
    return [
        int(index) if index else key for index, key in _SEGMENT.findall(property_path)
    ]


def _find_line(node: Any, path: list[str | int]) -> int | None:
    """Return the 1-based line of the deepest path element found in `node`."""
    line = None
    for segment in path:
        if isinstance(segment, int) and isinstance(node, list) and segment < len(node):
            node = node[segment]
            mark = getattr(node, "start_mark", None)
        elif isinstance(segment, str) and isinstance(node, dict):
            key = next((k for k in node if k == segment), None)
            if key is None:
                break
            mark = getattr(key, "start_mark", None)
            node = node[key]
        else:
            break
        if mark is not None:
            line = mark.line + 1
    return line
