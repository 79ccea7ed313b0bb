"""Choose a path for each code block that the response left unnamed.

The path follows what the rest of the response expects where it can: the
entry point named by `cdk.json`'s `"app"` command, the module an app imports
a stack class from, the asset directory and handler a Lambda function names.
Otherwise it follows the layout that `cdk init` creates.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass

from harness.errors import UnsafePathError
from harness.ingest._paths import safe_path
from harness.ingest._roles import Role, classify, load_json

_ENTRY_SCRIPT = re.compile(r"([\w./-]+\.(?:ts|js|mjs|cjs|py))\b")
_TS_NAMED_IMPORT = re.compile(r"import\s*\{([^}]*)\}\s*from\s*['\"]([^'\"]+)['\"]")
_PY_FROM_IMPORT = re.compile(
    r"^\s*from\s+(\.*[\w.]*)\s+import\s+\(?([\w\s,]+)\)?", re.MULTILINE
)
_TS_CLASS = re.compile(r"\bclass\s+(\w+)\s+extends\s+(?:[\w$]+\.)?(\w+)")
_PY_CLASS = re.compile(r"^\s*class\s+(\w+)\s*\(\s*(?:[\w.]+\.)?(\w+)", re.MULTILINE)
_STACK_BASES = ("Stack", "NestedStack", "Stage", "Construct")
_TS_ASSET = re.compile(
    r"fromAsset\(\s*(?P<join>path\.(?:join|resolve)\(\s*__dirname\s*,\s*)?"
    r"['\"](?P<dir>[^'\"]+)['\"]"
)
_PY_ASSET = re.compile(r"from_asset\(\s*(?:path\s*=\s*)?['\"](?P<dir>[^'\"]+)['\"]")
_HANDLER_SETTING = re.compile(r"\bhandler\s*[:=]\s*['\"](?P<module>[\w/.-]+)\.\w+['\"]")

# Modules a test imports that are libraries, not the project's own code.
_LIBRARY_MODULES = frozenset(
    [
        "aws_cdk",
        "constructs",
        "pytest",
        "unittest",
        "typing",
        "os",
        "sys",
        "json",
        "re",
        "pathlib",
    ]
)
_CODE_LANGUAGES = ("typescript", "javascript", "python")
_FIXED_PATHS = {
    Role.CDK_JSON: "cdk.json",
    Role.PACKAGE_JSON: "package.json",
    Role.TSCONFIG: "tsconfig.json",
    Role.REQUIREMENTS: "requirements.txt",
    Role.TEMPLATE_YAML: "template.yaml",
    Role.TEMPLATE_JSON: "template.json",
    Role.README: "README.md",
    Role.MAKEFILE: "Makefile",
}


@dataclass(frozen=True)
class Source:
    """A code block's path (when named), role, language and text."""

    path: str | None
    role: Role | None
    language: str | None
    text: str


@dataclass(frozen=True)
class Inference:
    """The path chosen for an unnamed block, and the reason, for the warning."""

    path: str
    reason: str


class _Context:
    """The project layout implied by all blocks: entry point and stack modules."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = sources
        self.entry = self._entry_point()
        self.class_paths: dict[str, str] = {}
        # Apps come first, so a class the app imports maps to the app's module.
        apps = [source for source in sources if _is_app(source)]
        named = [source for source in sources if source.path and source not in apps]
        for source in apps + named:
            self._collect_imports(source)

    def app_path(self, source: Source) -> str:
        return source.path or self._entry_for(source.role) or _default_app(source)

    def _entry_point(self) -> str | None:
        for source in self.sources:
            if source.path == "cdk.json" or source.role is Role.CDK_JSON:
                data = load_json(source.text)
                command = data.get("app") if isinstance(data, dict) else None
                match = (
                    _ENTRY_SCRIPT.search(command) if isinstance(command, str) else None
                )
                if match:
                    return _safe_or_none(match[1])
        return None

    def _entry_for(self, role: Role | None) -> str | None:
        if self.entry is None:
            return None
        python_entry = self.entry.endswith(".py")
        return self.entry if python_entry == (role is Role.PY_APP) else None

    def _collect_imports(self, source: Source) -> None:
        importer = self.app_path(source)
        if importer.endswith((".md", ".json", ".txt", ".yaml", ".yml")):
            return
        if source.language == "python" or importer.endswith(".py"):
            pairs = _python_imports(source.text, importer)
        else:
            pairs = _typescript_imports(source.text, importer)
        for name, path in pairs:
            self.class_paths.setdefault(name, path)


def infer_paths(sources: Sequence[Source]) -> dict[int, Inference]:
    """Return a path for every unnamed source whose role is a project file."""
    context = _Context(sources)
    inferred: dict[int, Inference] = {}
    for index, source in enumerate(sources):
        if source.path is not None or source.role is None or not source.role.is_file:
            continue
        inferred[index] = _infer_one(source, context)
    return inferred


def _infer_one(source: Source, context: _Context) -> Inference:
    role = source.role
    assert role is not None
    if role in _FIXED_PATHS:
        return Inference(_FIXED_PATHS[role], f"its content is a {role.value}")
    if role in (Role.TS_APP, Role.PY_APP):
        path = context.app_path(source)
        where = "cdk.json's app command" if path == context.entry else "the CDK layout"
        return Inference(path, f"it is a {role.value}, placed as {where} expects")
    if role in (Role.TS_STACK, Role.PY_STACK):
        return _infer_stack(source, context)
    if role in (Role.TS_TEST, Role.PY_TEST):
        return _infer_test(source)
    return _infer_handler(source, context)


def _infer_stack(source: Source, context: _Context) -> Inference:
    python = source.role is Role.PY_STACK
    pattern = _PY_CLASS if python else _TS_CLASS
    classes = [
        name for name, base in pattern.findall(source.text) if base in _STACK_BASES
    ]
    for name in classes:
        if name in context.class_paths:
            return Inference(
                context.class_paths[name],
                f"it defines {name}, which the app imports from that module",
            )
    name = classes[0] if classes else "Stack"
    if python:
        path = f"lib/{_snake(name)}.py"
    elif source.language == "javascript":
        path = f"lib/{_kebab(name)}.js"
    else:
        path = f"lib/{_kebab(name)}.ts"
    kind = Role.PY_STACK if python else Role.TS_STACK
    return Inference(path, f"it is a {kind.value} defining {name}")


def _infer_test(source: Source) -> Inference:
    if source.role is Role.PY_TEST:
        modules = [module for module, _ in _PY_FROM_IMPORT.findall(source.text)]
        local = [
            module.rsplit(".", 1)[-1]
            for module in modules
            if module.lstrip(".").split(".")[0] not in _LIBRARY_MODULES
        ]
        stem = local[0] if local else "app"
        return Inference(f"tests/unit/test_{stem}.py", "it contains pytest tests")
    specifiers = [spec for _, spec in _TS_NAMED_IMPORT.findall(source.text)]
    local = [posixpath.basename(s) for s in specifiers if s.startswith(".")]
    stem = local[0] if local else "app"
    extension = "ts" if source.language != "javascript" else "js"
    return Inference(f"test/{stem}.test.{extension}", "it contains jest tests")


def _infer_handler(source: Source, context: _Context) -> Inference:
    python = source.role is Role.PY_HANDLER
    if python:
        extension = ".py"
    elif source.language == "javascript":
        extension = ".js"
    else:
        extension = ".ts"
    directories: set[str] = set()
    modules: set[str] = set()
    for other in context.sources:
        if other.path is None and other.role not in (Role.TS_STACK, Role.PY_STACK):
            continue
        directories |= _asset_directories(other)
        modules |= set(_HANDLER_SETTING.findall(other.text))
    directory = directories.pop() if len(directories) == 1 else "lambda"
    module = modules.pop() if len(modules) == 1 else "index"
    path = _safe_or_none(f"{directory}/{module}{extension}")
    if path is None:
        path = f"lambda/index{extension}"
    kind = Role.PY_HANDLER if python else Role.JS_HANDLER
    return Inference(path, f"it is a {kind.value} for the stack's asset code")


def _asset_directories(source: Source) -> set[str]:
    found: set[str] = set()
    base = posixpath.dirname(source.path or "lib/stack.ts")
    for match in _TS_ASSET.finditer(source.text):
        directory = match["dir"]
        found.add(posixpath.join(base, directory) if match["join"] else directory)
    for match in _PY_ASSET.finditer(source.text):
        found.add(match["dir"])
    return {path for path in map(_safe_directory, found) if path}


def _python_imports(text: str, importer: str) -> list[tuple[str, str]]:
    pairs = []
    for module, names in _PY_FROM_IMPORT.findall(text):
        if module.startswith(("aws_cdk", "constructs")) or not module.strip("."):
            continue
        if module.startswith("."):
            dots = len(module) - len(module.lstrip("."))
            package = posixpath.dirname(importer)
            for _ in range(dots - 1):
                package = posixpath.dirname(package)
            relative = module.lstrip(".").replace(".", "/")
            path = posixpath.join(package, relative) + ".py"
        else:
            path = module.replace(".", "/") + ".py"
        for name in re.split(r"[\s,]+", names.strip()):
            if name and (safe := _safe_or_none(path)):
                pairs.append((name, safe))
    return pairs


def _typescript_imports(text: str, importer: str) -> list[tuple[str, str]]:
    pairs = []
    for names, specifier in _TS_NAMED_IMPORT.findall(text):
        if not specifier.startswith("."):
            continue
        path = posixpath.join(posixpath.dirname(importer), specifier)
        path = re.sub(r"\.(?:js|ts)$", "", path) + ".ts"
        for name in names.split(","):
            original = name.strip().split(" as ")[0].strip()
            if original and (safe := _safe_or_none(path)):
                pairs.append((original, safe))
    return pairs


def _is_app(source: Source) -> bool:
    if source.role in (Role.TS_APP, Role.PY_APP):
        return True
    if source.path is None or source.language not in _CODE_LANGUAGES:
        return False
    return classify(source.language, source.text) in (Role.TS_APP, Role.PY_APP)


def _default_app(source: Source) -> str:
    if source.role is Role.PY_APP:
        return "app.py"
    return "bin/app.js" if source.language == "javascript" else "bin/app.ts"


def _safe_or_none(path: str) -> str | None:
    try:
        return safe_path(path)
    except UnsafePathError:
        return None


def _safe_directory(path: str) -> str | None:
    safe = _safe_or_none(path.rstrip("/") + "/index")
    return posixpath.dirname(safe) if safe else None


def _kebab(name: str) -> str:
    return _split_camel(name, "-")


def _snake(name: str) -> str:
    return _split_camel(name, "_")


def _split_camel(name: str, separator: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", separator, name)
    return spaced.lower()
