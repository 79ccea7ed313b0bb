"""Item 17: the project has commands for coverage tests, synth, deploy, diff
and destroy: package.json scripts for a Node project, a task runner (Makefile,
justfile, tox, nox, invoke, pyproject scripts, or package.json) for Python.

A CloudFormation template project has no CDK app, so its commands are judged
by what they run: cfn-lint or `aws cloudformation validate-template` stands
for synth, and the AWS CLI's CloudFormation commands for deploy, diff and
destroy. A make target counts through the recipes of its prerequisites too.
"""

from __future__ import annotations

import re

from harness._project import Project
from harness.findings import Evidence, Finding
from harness.tasks.pci_payment_vpc._checks import listing, result
from harness.tasks.pci_payment_vpc._files import (
    Command,
    find_file,
    package_json_commands,
    simple_commands,
    task_runner_commands,
)
from harness.taxonomy import RuleContext

CDK_VERBS = ("synth", "deploy", "diff", "destroy")
COVERAGE = re.compile(r"--coverage|--cov\b|--cov=|coverage run|\bc8\b|\bnyc\b")
TEST_RUNNER = re.compile(r"\b(jest|pytest|vitest|mocha|tox|nox)\b|\bnpm (run )?test\b")
JEST_COVERAGE = re.compile(r"collectCoverage\"?\s*:\s*true")
PYTEST_COVERAGE = re.compile(r"addopts\s*=.*--cov")
NEEDS = ("test with coverage",) + CDK_VERBS
# Wrappers that run an installed tool: `npx cfn-lint`, `poetry run cfn-lint`...
_RUNNER = (
    r"(?:(?:npx|uvx|exec|pipx run|poetry run|uv run|pipenv run|hatch run|pdm run)\s+)?"
)
_PROGRAM_PATH = r"(?:\S*/)?"


def _aws_cloudformation(*subcommands: str) -> str:
    """Return a regex for `aws [global options] cloudformation <subcommand>`."""
    return (
        rf"^{_RUNNER}{_PROGRAM_PATH}aws\b[^'\"]*?\bcloudformation\s+"
        rf"(?:{'|'.join(subcommands)})\b"
    )


# NOTE: SAM (`sam deploy`, `sam delete`) and rain are not recognized.
TEMPLATE_COMMANDS = {
    "synth": (
        "cfn-lint or aws cloudformation validate-template",
        re.compile(
            rf"^{_RUNNER}{_PROGRAM_PATH}cfn-?lint\b"
            rf"|^{_RUNNER}python[0-9.]*\s+-m\s+cfnlint\b"
            rf"|{_aws_cloudformation('validate-template')}"
        ),
    ),
    "deploy": (
        "aws cloudformation deploy, create-stack or update-stack",
        re.compile(_aws_cloudformation("deploy", "create-stack", "update-stack")),
    ),
    "diff": (
        "aws cloudformation create-change-set or describe-change-set",
        re.compile(_aws_cloudformation("create-change-set", "describe-change-set")),
    ),
    "destroy": (
        "aws cloudformation delete-stack",
        re.compile(_aws_cloudformation("delete-stack")),
    ),
}
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
        is_template = ctx.synth.language == "cloudformation"
        # A template project has no CDK language, so every task runner counts.
        language = "template" if is_template else _language(ctx)
        where = "package.json scripts" if language == "typescript" else "task runner"
        needs = [_describe(need) for need in NEEDS] if is_template else NEEDS
        expected = f"{where} commands for {listing(needs, ordered=True)}"

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
        find = _find_template if is_template else _find
        found = {need: find(need, commands, covered) for need in NEEDS}
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
        if is_template:
            evidence = _template_gaps(missing, commands)
            return result(self.item_id, False, expected, actual, evidence)
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


def _find_template(
    need: str, commands: list[Command], coverage_configured: bool
) -> Command | None:
    """Return the command that meets `need` in a template project: one that runs
    the matching CloudFormation command, preferring a command named `need`.

    Test coverage is judged as in a CDK project. A command's name or an echoed
    word does not count, because neither runs anything.
    """
    if need not in TEMPLATE_COMMANDS:
        return _find(need, commands, coverage_configured)
    pattern = TEMPLATE_COMMANDS[need][1]
    matching = [
        command
        for command in commands
        if any(pattern.search(part) for part in simple_commands(command, commands))
    ]
    named = [command for command in matching if command.name == need]
    return (named or matching or [None])[0]


def _template_gaps(missing: list[str], commands: list[Command]) -> list[Evidence]:
    """Return evidence for the needs a template project misses: the line of each
    command named after a need that does not run its command, else each file."""
    evidence = []
    unnamed = []
    for need in missing:
        named = [c for c in commands if c.name == need]
        if not named:
            unnamed.append(need)
            continue
        for command in named:
            note = f"{need}: {command.name} does not run {_runs(need)}"
            evidence.append(Evidence(file=command.file, line=command.line, note=note))
    if unnamed:
        note = "no command for " + listing(
            [_describe(need) for need in unnamed], ordered=True
        )
        for file in sorted({c.file for c in commands}):
            evidence.append(Evidence(file=file, note=note))
    return evidence


def _runs(need: str) -> str:
    return (
        TEMPLATE_COMMANDS[need][0]
        if need in TEMPLATE_COMMANDS
        else "tests with coverage"
    )


def _describe(need: str) -> str:
    """Return `need` with the template commands that meet it, if any."""
    if need not in TEMPLATE_COMMANDS:
        return need
    return f"{need} ({TEMPLATE_COMMANDS[need][0]})"


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
