"""Item 16: the README has sections on architecture, prerequisites, deployment,
testing, security and compliance, and cost, found by their headings."""

from __future__ import annotations

import re

from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import listing, result
from harness.tasks.pci_payment_vpc._files import Heading, find_readme, headings
from harness.taxonomy import RuleContext

# Each pattern matches at the start of a word of a heading, so "Testing"
# matches but "Latest changes" does not.
SECTIONS = {
    "architecture": r"\b(architect|overview|design|components|resources created|topology)",
    "prerequisites": r"\b(prerequisite|requirements|before you begin|dependencies)",
    "deployment": r"\b(deploy|getting started|quick ?start|usage)",
    "testing": r"\btest",
    "security/compliance": r"\b(security|compliance|pci\b)",
    "cost": r"\b(cost|pricing)",
}


class Readme:
    item_id = "16"
    slug = "readme"

    def check(self, ctx: RuleContext) -> Finding:
        expected = f"a README with sections on {listing(SECTIONS, ordered=True)}"
        readme = find_readme(ctx.project)
        if readme is None:
            return result(self.item_id, False, expected, "no README file")
        found: dict[str, int] = {}
        for heading in _section_headings(readme.text):
            for section, pattern in SECTIONS.items():
                if section not in found and re.search(
                    pattern, heading.text, re.IGNORECASE
                ):
                    found[section] = heading.line
        missing = [section for section in SECTIONS if section not in found]
        actual = f"{readme.path} covers {listing(found, ordered=True)}"
        if not missing:
            evidence = [
                Evidence(file=readme.path, line=line, note=section)
                for section, line in found.items()
            ]
            return result(self.item_id, True, expected, actual, evidence)
        actual += f"; missing: {listing(missing, ordered=True)}"
        evidence = [
            Evidence(
                file=readme.path, note="no section on " + listing(missing, ordered=True)
            )
        ]
        return result(self.item_id, False, expected, actual, evidence)


def _section_headings(text: str) -> list[Heading]:
    """Return the headings, without a leading level-1 title: a title such as
    "PCI DSS payment network" names the project, not a section."""
    found = headings(text)
    if found and found[0].level == 1:
        return found[1:]
    return found


RULE = Readme()
