"""CloudFormation template quotas that cfn-lint 1.58 does not check.

Measured: cfn-lint reports more than 500 resources (E3010) and more than 200
outputs (E6010), but not more than 200 parameters or mappings, and not the
template size.
"""

from __future__ import annotations

from collections.abc import Iterator

from harness.deploy._lines import render
from harness.deploy._view import Constraint, TemplateView, Violation

QUOTAS_DOC = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"

# A template body sent in the request is at most 51,200 bytes. A template
# uploaded to S3 and passed by URL is at most 1 MB.
DIRECT_UPLOAD_MAX_BYTES = 51_200
# NOTE: the quotas page states "1 MB"; this check reads that as 1,048,576 bytes.
S3_UPLOAD_MAX_BYTES = 1_048_576

# At most 200 parameters and 200 mappings per template.
SECTION_MAXIMUMS = {"Parameters": 200, "Mappings": 200}


def _template_size(view: TemplateView) -> Iterator[Violation]:
    size = len(render(view.template).encode())
    if size > S3_UPLOAD_MAX_BYTES:
        yield Violation(
            f"the template is {size} bytes; the maximum is {S3_UPLOAD_MAX_BYTES} "
            "bytes even when uploaded to S3"
        )


def _direct_upload_size(view: TemplateView) -> Iterator[Violation]:
    size = len(render(view.template).encode())
    if DIRECT_UPLOAD_MAX_BYTES < size <= S3_UPLOAD_MAX_BYTES:
        yield Violation(
            f"the template is {size} bytes, more than the {DIRECT_UPLOAD_MAX_BYTES} "
            "bytes of a template body sent directly; deploy it from S3 (the CDK "
            "does this through its bootstrap bucket)"
        )


def _section_sizes(view: TemplateView) -> Iterator[Violation]:
    for section, maximum in SECTION_MAXIMUMS.items():
        entries = view.template.get(section)
        if isinstance(entries, dict) and len(entries) > maximum:
            yield Violation(
                f"{section} has {len(entries)} entries; the maximum is {maximum}",
                None,
                section,
            )


CONSTRAINTS = [
    Constraint("template-size", "template at most 1 MB", QUOTAS_DOC, _template_size),
    Constraint(
        "template-direct-upload-size",
        "template body over 51,200 bytes",
        QUOTAS_DOC,
        _direct_upload_size,
        level="info",
    ),
    Constraint(
        "template-section-size",
        "at most 200 parameters and 200 mappings",
        QUOTAS_DOC,
        _section_sizes,
    ),
]
