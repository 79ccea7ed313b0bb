"""Recognize what an unnamed code block is from its content.

A block is either a project file whose path can be inferred or not a file at
all. Project files are CDK stacks, CDK apps, tests, `cdk.json`, `package.json`,
`tsconfig.json`, requirements, CloudFormation templates and READMEs. Directory
trees, shell commands and sample output are not files. The naming rules live
in `_inference`.
"""

from __future__ import annotations

import json
import re
from enum import Enum

_LANGUAGE_ALIASES = {
    "typescript": ("ts", "typescript", "tsx", "mts", "cts"),
    "javascript": ("js", "javascript", "jsx", "node", "nodejs", "mjs", "cjs"),
    "python": ("py", "python", "python3", "py3"),
    "json": ("json", "jsonc", "json5"),
    "yaml": ("yaml", "yml"),
    "markdown": ("md", "markdown"),
    "shell": (
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "shell-session",
        "terminal",
        "powershell",
        "ps1",
        "pwsh",
        "cmd",
        "bat",
        "fish",
        "shellsession",
    ),
    "text": ("text", "txt", "plaintext", "plain", "output", "log", "none"),
    "makefile": ("make", "makefile"),
    "toml": ("toml",),
    "dockerfile": ("dockerfile", "docker"),
    "diff": ("diff", "patch", "udiff"),
}
_CANONICAL = {
    alias: name for name, aliases in _LANGUAGE_ALIASES.items() for alias in aliases
}

_TREE_LINE = re.compile(r"[├└│]|^\s*[|`+]--")
_SHELL_COMMAND = re.compile(
    r"^\s*(?:\$\s+|>\s+)?(?:sudo\s+)?(?:npm|npx|yarn|pnpm|cdk|pip3?|pipenv|poetry|"
    r"python3?|node|aws|cd|mkdir|export|source|git|curl|make|cat|echo|ls|rm|cp|mv|"
    r"brew|apt(?:-get)?|pytest|jest|tsc|set|chmod|docker|terraform|sam|\.venv|"
    r"\./)\b"
)
_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[\w,\s-]+\])?\s*(?:(?:[<>=!~]=?|===)\s*[\w.*+!-]+"
    r"\s*(?:,\s*(?:[<>=!~]=?)\s*[\w.*+!-]+\s*)*)?(?:\s*;.*)?$"
)
_ELISION = re.compile(r"^\s*(?:(?://|#|/\*|<!--)\s*)?(?:\.\.\.|…)")
_TS_STACK = re.compile(
    r"\bclass\s+(\w+)\s+extends\s+(?:[\w$]+\.)?(Stack|NestedStack|Construct|Stage)\b"
)
_TS_APP = re.compile(r"\bnew\s+(?:[\w$]+\.)?App\s*\(")
_PY_STACK = re.compile(
    r"^\s*class\s+(\w+)\s*\(\s*(?:[\w.]+\.)?(Stack|NestedStack|Construct|Stage)\s*[,)]",
    re.MULTILINE,
)
_PY_APP = re.compile(r"\b(?:[\w.]+\.)?App\s*\(")
_TS_TEST = re.compile(r"^\s*(?:describe|test|it)\s*\(", re.MULTILINE)
_PY_TEST = re.compile(r"^\s*def\s+test_\w*\s*\(", re.MULTILINE)
_PY_HANDLER = re.compile(
    r"^\s*(?:async\s+)?def\s+(\w*handler\w*)\s*\(\s*event", re.MULTILINE
)
_JS_HANDLER = re.compile(
    r"\b(?:exports\.(\w*handler\w*)\s*=|export\s+(?:const|async\s+function|function)\s+"
    r"(\w*handler\w*))"
)


class Role(str, Enum):
    """The kind of content of an unnamed block."""

    TREE = "directory tree"
    DIFF = "diff"
    SYNTH_OUTPUT = "synthesized template"
    SHELL = "shell commands"
    OUTPUT = "sample output or prose"
    TS_APP = "TypeScript CDK app"
    TS_STACK = "TypeScript CDK stack"
    TS_TEST = "TypeScript test"
    JS_HANDLER = "JavaScript Lambda handler"
    PY_APP = "Python CDK app"
    PY_STACK = "Python CDK stack"
    PY_TEST = "Python test"
    PY_HANDLER = "Python Lambda handler"
    CDK_JSON = "cdk.json"
    PACKAGE_JSON = "package.json"
    TSCONFIG = "tsconfig.json"
    REQUIREMENTS = "requirements.txt"
    TEMPLATE_YAML = "CloudFormation template (YAML)"
    TEMPLATE_JSON = "CloudFormation template (JSON)"
    README = "README"
    MAKEFILE = "Makefile"
    UNKNOWN = "unrecognized content"

    @property
    def is_file(self) -> bool:
        return self not in _NOT_FILES


_NOT_FILES = frozenset(
    [Role.TREE, Role.DIFF, Role.SYNTH_OUTPUT, Role.SHELL, Role.OUTPUT, Role.UNKNOWN]
)


def is_language_word(word: str) -> bool:
    """Return whether a fence info word is a known language name or alias, such
    as `makefile` or `Dockerfile`, in any letter case."""
    return word.lower() in _CANONICAL


def canonical_language(word: str | None) -> str | None:
    """Return the standard language name for a fence info word (`ts` -> typescript)."""
    if not word:
        return None
    return _CANONICAL.get(word.lower(), word.lower())


def is_fragment(lines: list[str]) -> bool:
    """Return whether a block is visibly partial: it starts with an elision `...`."""
    for line in lines:
        if line.strip():
            return bool(_ELISION.match(line))
    return False


def classify(language: str | None, text: str) -> Role:
    """Return the role of an unnamed block from its language and content."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return Role.UNKNOWN
    if language == "diff":
        return Role.DIFF
    if _is_tree(lines):
        return Role.TREE
    by_language = _CLASSIFIERS.get(language or "")
    if by_language is not None:
        return by_language(text, lines)
    return _classify_unlabelled(text, lines)


def _is_tree(lines: list[str]) -> bool:
    tree_lines = sum(1 for line in lines if _TREE_LINE.search(line))
    return tree_lines >= max(2, len(lines) // 2)


def _is_shell(lines: list[str]) -> bool:
    commands = [line for line in lines if not line.lstrip().startswith("#")]
    if not any(_SHELL_COMMAND.match(line) for line in commands):
        return False
    return all(
        _SHELL_COMMAND.match(line)
        or line.startswith((" ", "\t"))
        or line.endswith("\\")
        for line in commands
    )


def _classify_typescript(text: str, lines: list[str]) -> Role:
    # Tests create an App too, so they are recognized first.
    if _TS_TEST.search(text) and "expect(" in text:
        return Role.TS_TEST
    if _TS_APP.search(text):
        return Role.TS_APP
    if _TS_STACK.search(text):
        return Role.TS_STACK
    if _JS_HANDLER.search(text):
        return Role.JS_HANDLER
    return Role.UNKNOWN


def _classify_python(text: str, lines: list[str]) -> Role:
    if _PY_TEST.search(text):
        return Role.PY_TEST
    if _PY_APP.search(text) and ".synth(" in text:
        return Role.PY_APP
    if _PY_STACK.search(text):
        return Role.PY_STACK
    if _PY_HANDLER.search(text):
        return Role.PY_HANDLER
    return Role.UNKNOWN


def _classify_json(text: str, lines: list[str]) -> Role:
    data = _load_json(text)
    if not isinstance(data, dict):
        return Role.OUTPUT
    if isinstance(data.get("app"), str):
        return Role.CDK_JSON
    if "compilerOptions" in data:
        return Role.TSCONFIG
    if data.keys() & {"dependencies", "devDependencies", "scripts"}:
        return Role.PACKAGE_JSON
    if "AWSTemplateFormatVersion" in data or _has_aws_resources(data):
        return Role.TEMPLATE_JSON
    return Role.OUTPUT


def _has_aws_resources(data: dict) -> bool:
    resources = data.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(value, dict) and str(value.get("Type", "")).startswith("AWS::")
        for value in resources.values()
    )


def _classify_yaml(text: str, lines: list[str]) -> Role:
    top_level = {line.split(":", 1)[0] for line in lines if re.match(r"^\w+:", line)}
    if "Resources" in top_level:
        return Role.TEMPLATE_YAML
    return Role.UNKNOWN


def _classify_shell(text: str, lines: list[str]) -> Role:
    return Role.SHELL


def _classify_text(text: str, lines: list[str]) -> Role:
    if _is_requirements(lines):
        return Role.REQUIREMENTS
    return Role.SHELL if _is_shell(lines) else Role.OUTPUT


def _classify_markdown(text: str, lines: list[str]) -> Role:
    return Role.README if lines[0].startswith("# ") else Role.OUTPUT


def _classify_makefile(text: str, lines: list[str]) -> Role:
    return Role.MAKEFILE


def _classify_unlabelled(text: str, lines: list[str]) -> Role:
    """Classify a block whose fence gives no language, by trying each in turn."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _classify_json(text, lines)
    if _is_requirements(lines):
        return Role.REQUIREMENTS
    if _is_shell(lines):
        return Role.SHELL
    for classifier in (_classify_typescript, _classify_python, _classify_yaml):
        role = classifier(text, lines)
        if role is not Role.UNKNOWN:
            return role
    return Role.OUTPUT


def _is_requirements(lines: list[str]) -> bool:
    entries = [line.strip() for line in lines if not line.lstrip().startswith("#")]
    return (
        bool(entries)
        and all(_REQUIREMENT.match(entry) for entry in entries)
        and any(re.match(r"aws-cdk|constructs\b", entry) for entry in entries)
    )


def _load_json(text: str) -> object:
    """Parse JSON, tolerating `//` line comments as tsconfig files contain."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    without_comments = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)
    try:
        return json.loads(without_comments)
    except ValueError:
        return None


def load_json(text: str) -> object:
    """Return the parsed JSON of `text`, or None when it is not JSON."""
    return _load_json(text)


_CLASSIFIERS = {
    "typescript": _classify_typescript,
    "javascript": _classify_typescript,
    "python": _classify_python,
    "json": _classify_json,
    "yaml": _classify_yaml,
    "shell": _classify_shell,
    "text": _classify_text,
    "markdown": _classify_markdown,
    "makefile": _classify_makefile,
}
