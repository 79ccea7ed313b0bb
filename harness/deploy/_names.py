"""Naming constraints that cfn-lint 1.58 does not check.

Measured: cfn-lint checks S3 bucket name length and characters (E1161,
E3031) but accepts names shaped like an IP address and names with the
reserved prefixes and suffixes below. It also accepts duplicate export names
and export names longer than 255 characters.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from harness.cfn._intrinsics import section
from harness.deploy._view import Constraint, TemplateView, Violation

S3_NAMING_DOC = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"
)
OUTPUTS_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/outputs-section-structure.html"

# A general purpose bucket name must not be formatted as an IP address. It
# must not start with these prefixes or end with these suffixes, because S3
# reserves them for access point aliases, Object Lambda, Multi-Region Access
# Points, directory buckets and table buckets.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# NOTE: 255 characters is the documented maximum of an output's logical name;
# applying the same maximum to export names is an assumption.
EXPORT_NAME_MAX = 255


def _bucket_names(view: TemplateView) -> Iterator[Violation]:
    for logical_id, properties in view.resources("AWS::S3::Bucket"):
        name = view.text(properties, "BucketName")
        if name is None:
            continue
        problem = _bucket_name_problem(name)
        if problem:
            yield Violation(
                f"BucketName {name!r} {problem}", logical_id, "Properties.BucketName"
            )


def _bucket_name_problem(name: str) -> str | None:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return "is formatted as an IP address"
    for prefix in S3_RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"starts with the reserved prefix {prefix!r}"
    for suffix in S3_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"ends with the reserved suffix {suffix!r}"
    return None


def _export_names(view: TemplateView) -> Iterator[Violation]:
    """Export names are unique within the template and at most 255 characters."""
    seen: dict[str, str] = {}
    for output_id, output in _outputs(view):
        export = output.get("Export")
        if not isinstance(export, dict) or "Name" not in export:
            continue
        found = view.value(export, "Name")
        key = _export_key(found, export["Name"])
        path = f"Outputs.{output_id}.Export.Name"
        if key in seen:
            yield Violation(
                f"export name {key} is also the export name of output "
                f"{seen[key]}; export names must be unique",
                None,
                path,
            )
        else:
            seen[key] = output_id
        if found and found.static and len(str(found.value)) > EXPORT_NAME_MAX:
            yield Violation(
                f"export name is {len(str(found.value))} characters long; the "
                f"maximum is {EXPORT_NAME_MAX}",
                None,
                path,
            )


def _export_key(found: Any, raw: Any) -> str:
    """Compare resolved names, or the expressions themselves when unresolved."""
    if found is not None and found.static:
        return repr(str(found.value))
    return repr(raw)


def _outputs(view: TemplateView) -> Iterator[tuple[str, dict[str, Any]]]:
    for output_id, output in section(view.template, "Outputs").items():
        if isinstance(output, dict):
            yield output_id, output


CONSTRAINTS = [
    Constraint(
        "s3-bucket-name",
        "S3 bucket name not reserved or IP-shaped",
        S3_NAMING_DOC,
        _bucket_names,
    ),
    Constraint(
        "export-name",
        "export names unique and at most 255 characters",
        OUTPUTS_DOC,
        _export_names,
    ),
]
