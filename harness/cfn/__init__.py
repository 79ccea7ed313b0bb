"""CloudFormation template responses: find the template, parse it, normalize it.

`find_templates` chooses the template among a response's files.
`synthesize_template` turns it into a SynthResult with language
"cloudformation", so the rest of the harness reads it like a CDK synthesis.
"""

from harness.cfn._find import (
    TemplateCandidate,
    TemplateChoice,
    find_templates,
    is_template_response,
    loose_template_warnings,
)
from harness.cfn._intrinsics import Resolver, Unresolved
from harness.cfn._loader import TemplateSyntaxError, parse_text
from harness.cfn._synthesize import synthesize_template

__all__ = [
    "Resolver",
    "TemplateCandidate",
    "TemplateChoice",
    "TemplateSyntaxError",
    "Unresolved",
    "find_templates",
    "is_template_response",
    "loose_template_warnings",
    "parse_text",
    "synthesize_template",
]
