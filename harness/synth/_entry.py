"""Find a response's language and entry file without running anything it names."""

from __future__ import annotations

import json
import logging
import re
import shlex
from dataclasses import dataclass, field

from harness._project import Project
from harness._synth_result import Language

log = logging.getLogger(__name__)

TS_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts")
JS_EXTENSIONS = (".js", ".mjs", ".cjs")
PY_EXTENSIONS = (".py",)
PYTHON_ENTRY_NAMES = ("app.py", "tap.py", "main.py")
APP_PATTERNS = {
    "typescript": re.compile(r"new\s+(?:[\w$]+\.)*App\s*\("),
    "python": re.compile(r"^(?!\s*#).*\b(?:[\w]+\.)*App\s*\(", re.MULTILINE),
}


@dataclass
class Entry:
    """The file a synthesis runs and the language it runs in."""

    language: Language
    path: str
    warnings: list[str] = field(default_factory=list)


def find_entry(project: Project) -> Entry | None:
    """Return the entry of `project`, or None when there is no runnable entry.

    The order is: the file named by cdk.json's `app` command, then `bin/*.ts`
    (or `bin/*.js`), then app.py, tap.py or main.py at the top level, then the
    single TypeScript or Python file that creates an App.
    """
    warnings: list[str] = []
    from_config = _entry_from_cdk_json(project, warnings)
    if from_config is not None:
        from_config.warnings[:0] = warnings
        return from_config
    for finder in (_bin_entry, _python_entry, _single_app_file):
        found = finder(project)
        if found is not None:
            found.warnings[:0] = warnings
            return found
    return None


def language_of(path: str) -> Language:
    """Return "python" for a .py file and "typescript" for TypeScript or JavaScript."""
    return "python" if path.endswith(PY_EXTENSIONS) else "typescript"


def app_command(project: Project) -> str | None:
    """Return cdk.json's `app` string, or None when cdk.json is absent or unreadable."""
    source = project.files.get("cdk.json")
    if source is None:
        return None
    try:
        config = json.loads(source.text)
    except json.JSONDecodeError:
        return None
    app = config.get("app") if isinstance(config, dict) else None
    return app if isinstance(app, str) else None


def entry_from_command(command: str) -> str | None:
    """Return the script file a cdk.json `app` command runs, e.g. `bin/tap.ts`.

    Handles runners such as `npx ts-node --prefer-ts-exts FILE`, `npx tsx FILE`,
    `node FILE`, `python3 FILE` and `pipenv run python FILE`; the command itself
    is never executed.
    """
    try:
        tokens = shlex.split(command)
    except ValueError:
        tokens = command.split()
    scripts = [token for token in tokens if _looks_like_script(token)]
    return _normalize(scripts[-1]) if scripts else None


def _looks_like_script(token: str) -> bool:
    if token.startswith("-"):
        return False
    return token.endswith(TS_EXTENSIONS + JS_EXTENSIONS + PY_EXTENSIONS)


def _normalize(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def _entry_from_cdk_json(project: Project, warnings: list[str]) -> Entry | None:
    command = app_command(project)
    if command is None:
        if "cdk.json" in project.files:
            warnings.append(
                "cdk.json has no usable `app` command; searched for an entry"
            )
        return None
    script = entry_from_command(command)
    if script is None:
        warnings.append(f"cdk.json `app` names no script file: {command!r}")
        return None
    resolved = _resolve_script(project, script)
    if resolved is None:
        warnings.append(
            f"cdk.json `app` runs {script}, which the response does not contain; "
            "searched for another entry"
        )
        return None
    return Entry(language_of(resolved), resolved)


def _resolve_script(project: Project, script: str) -> str | None:
    """Return `script` or its TypeScript twin (`bin/x.js` -> `bin/x.ts`) if present."""
    if script in project.files:
        if script.endswith(JS_EXTENSIONS):
            twin = _ts_twin(project, script)
            if twin:
                return twin
        return script
    if script.endswith(JS_EXTENSIONS):
        return _ts_twin(project, script)
    return None


def _ts_twin(project: Project, script: str) -> str | None:
    stem = script.rsplit(".", 1)[0]
    for extension in TS_EXTENSIONS:
        if stem + extension in project.files:
            return stem + extension
    return None


def _bin_entry(project: Project) -> Entry | None:
    for extensions in (TS_EXTENSIONS, JS_EXTENSIONS):
        candidates = sorted(
            path
            for path in project.files
            if path.startswith("bin/")
            and path.count("/") == 1
            and path.endswith(extensions)
            and not path.endswith(".d.ts")
        )
        if len(candidates) > 1:
            with_app = [p for p in candidates if _creates_app(project, p)]
            candidates = with_app or candidates
        if candidates:
            warnings = []
            if len(candidates) > 1:
                warnings.append(
                    f"several bin/ entries {candidates}; used {candidates[0]}"
                )
            return Entry("typescript", candidates[0], warnings)
    return None


def _python_entry(project: Project) -> Entry | None:
    for name in PYTHON_ENTRY_NAMES:
        if name in project.files:
            return Entry("python", name)
    return None


def _single_app_file(project: Project) -> Entry | None:
    found = [
        path
        for path in sorted(project.files)
        if path.endswith(TS_EXTENSIONS + JS_EXTENSIONS + PY_EXTENSIONS)
        and not path.endswith(".d.ts")
        and _creates_app(project, path)
    ]
    if len(found) == 1:
        return Entry(language_of(found[0]), found[0])
    if found:
        log.info("no single entry: %d files create an App: %s", len(found), found)
    return None


def _creates_app(project: Project, path: str) -> bool:
    pattern = APP_PATTERNS[language_of(path)]
    return bool(pattern.search(project.files[path].text))
