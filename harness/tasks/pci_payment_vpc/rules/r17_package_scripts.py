"""Item 17: the project has commands for coverage tests, synth, deploy, diff
and destroy: package.json scripts for a Node project, a task runner (Makefile,
justfile, tox, nox, invoke, pyproject scripts, or package.json) for Python."""

from __future__ import annotations

import re

from harness._project import Project
from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import listing, result
from harness.tasks.pci_payment_vpc._files import (
    Command,
    find_file,
    package_json_commands,
    task_runner_commands,
)
from harness.taxonomy import RuleContext

CDK_VERBS = ("synth", "deploy", "diff", "destroy")
COVERAGE = re.compile(r"--coverage|--cov\b|--cov=|coverage run|\bc8\b|\bnyc\b")
TEST_RUNNER = re.compile(r"\b(jest|pytest|vitest|mocha|tox|nox)\b|\bnpm (run )?test\b")
JEST_COVERAGE = re.compile(r"collectCoverage\"?\s*:\s*true")
PYTEST_COVERAGE = re.compile(r"addopts\s*=.*--cov")
NEEDS = ("test with coverage",) + CDK_VERBS
RUNNER_FILES = (
    "Makefile",
    "justfile",
    "tox.ini",
    "noxfile.py",
    "tasks.py",
    "pyproject.toml scripts",
    "package.json",
)


class PackageScripts:
    item_id = "17"
    slug = "package-scripts"

    def check(self, ctx: RuleContext) -> Finding:
        project = ctx.project
        language = _language(ctx)
        where = "package.json scripts" if language == "typescript" else "task runner"
        expected = f"{where} commands for {listing(NEEDS, ordered=True)}"

        if language == "typescript":
            source = find_file(project, "package.json")
            commands = package_json_commands(source) if source else []
        else:
            commands = task_runner_commands(project)
        if not commands:
            actual = f"no {where} commands"
            if language != "typescript":
                actual += f" (looked for {listing(RUNNER_FILES, ordered=True)})"
            return result(self.item_id, False, expected, actual)
        covered = _coverage_configured(project)
        found = {need: _find(need, commands, covered) for need in NEEDS}
        present = [need for need, command in found.items() if command]
        missing = [need for need, command in found.items() if not command]
        sources = sorted({c.source for c in commands})
        actual = f"{listing(sources)} commands cover {listing(present, ordered=True)}"
        if not missing:
            evidence = [
                Evidence(file=c.file, line=c.line, note=f"{need}: {c.name}")
                for need, c in found.items()
                if c is not None
            ]
            return result(self.item_id, True, expected, actual, evidence)
        actual += f"; missing: {listing(missing, ordered=True)}"
        files = sorted({c.file for c in commands})
        evidence = [
            Evidence(file=f, note="no command for " + listing(missing, ordered=True))
            for f in files
        ]
        return result(self.item_id, False, expected, actual, evidence)


def _find(
    need: str, commands: list[Command], coverage_configured: bool
) -> Command | None:
    for command in commands:
        if need == "test with coverage":
            runs_tests = command.name.startswith("test") or TEST_RUNNER.search(
                command.text
            )
            if runs_tests and (COVERAGE.search(command.text) or coverage_configured):
                return command
        elif re.search(rf"\bcdk\b[^\n&|;]*\b{_verb(need)}\b", command.text) or (
            command.name == need and re.search(rf"\b{need}\b", command.text)
        ):
            return command
    return None


def _verb(need: str) -> str:
    """Return a regex for a CDK CLI verb, with `synthesize` as synth's alias."""
    return "synth(?:esize)?" if need == "synth" else need


def _coverage_configured(project: Project) -> bool:
    """Tell whether jest or pytest configuration turns coverage on for every run."""
    for name in ("jest.config.js", "jest.config.ts", "jest.config.cjs", "package.json"):
        source = find_file(project, name)
        if source and JEST_COVERAGE.search(source.text):
            return True
    for name in ("pytest.ini", "setup.cfg", "pyproject.toml", "tox.ini"):
        source = find_file(project, name)
        if source and PYTEST_COVERAGE.search(source.text):
            return True
    return False


def _language(ctx: RuleContext) -> str:
    """Return "typescript" or "python": the synthesized language, else a guess
    from the entry files."""
    if ctx.synth.language in ("typescript", "python"):
        return ctx.synth.language
    paths = list(ctx.project.files)
    if any(p.endswith(".ts") and not p.endswith(".d.ts") for p in paths):
        return "typescript"
    return "python"


RULE = PackageScripts()
